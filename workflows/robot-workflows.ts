/**
 * Compile-time check of the robot declarations against the workflows (docs/adding-a-robot.md). A declaration names
 * its workflow by the exported function's name; `npm run typecheck` fails here, naming the robot, when
 * workflows/index.ts does not export that function or when it does not take the call and return the outcome the
 * declaration's properties and return properties describe. Nothing here runs.
 */
import type { DeclaredRobot, RobotCallOf, RobotOutcomeOf } from '../contracts/robot-declarations.js';
import type * as registered from './index.js';

type Registered = typeof registered;

type WorkflowOf<D extends DeclaredRobot> = (call: RobotCallOf<D>) => Promise<RobotOutcomeOf<D>>;

type Check<D extends DeclaredRobot> = D['workflowType'] extends keyof Registered
  ? Registered[D['workflowType']] extends WorkflowOf<D>
    ? true
    : `robot ${D['code']}: ${D['workflowType']} must take RobotCallOf<typeof its declaration> and return RobotOutcomeOf<typeof it>`
  : `robot ${D['code']}: workflows/index.ts exports no ${D['workflowType']}`;

type Checks = { [C in DeclaredRobot['code']]: Check<Extract<DeclaredRobot, { code: C }>> };

/** Satisfied only when every check is `true`; otherwise the compiler shows the failing robot's message. */
type EveryRobotHasItsWorkflow<T extends { [C in DeclaredRobot['code']]: true }> = T;
export type RobotWorkflowsChecked = EveryRobotHasItsWorkflow<Checks>;
