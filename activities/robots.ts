import type { RobotCode } from '../contracts/robot-declarations.js';
import type { Config } from '../lib/config.js';
import { creditCheckRobot } from './credit/activities.js';
import { erpOrderRobot } from './erp-order/activities.js';
import { jiraProjectRobot } from './jira-project/activities.js';
import { onecPriceRobot } from './onec-price/activities.js';

/**
 * A robot's part of the worker besides its declaration and its workflow (docs/adding-a-robot.md): the factory of its
 * activities (given the worker's ActivityDeps) and, when it has settings, how its slice of ProcessSettings is read
 * from the validated configuration. Workflows read the slice through the `processSettings` local activity.
 */
export interface RobotModule {
  activities(deps: never): object;
  settings?(config: Config): object;
}

/** One entry per declared robot code: a declared robot without its module does not compile. */
export const ROBOT_MODULES = {
  GET_1C_PRICE: onecPriceRobot,
  erp_create_order: erpOrderRobot,
  check_credit_limit: creditCheckRobot,
  jira_create_project: jiraProjectRobot,
} as const satisfies { readonly [C in RobotCode]: RobotModule };

type Modules = typeof ROBOT_MODULES;
type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** Every robot's activities in one object type: what workflows proxy (with the rest of `Activities`). */
export type RobotActivities = UnionToIntersection<{ [C in RobotCode]: ReturnType<Modules[C]['activities']> }[RobotCode]>;

type SliceOf<M> = M extends { settings(config: Config): infer S } ? S : Record<never, never>;
/** The robots' slices of ProcessSettings, merged. */
export type RobotSettings = UnionToIntersection<{ [C in RobotCode]: SliceOf<Modules[C]> }[RobotCode]>;

export function robotSettingsFromConfig(config: Config): RobotSettings {
  const modules: readonly RobotModule[] = Object.values(ROBOT_MODULES);
  return Object.assign({}, ...modules.map((module) => module.settings?.(config) ?? {})) as RobotSettings;
}
