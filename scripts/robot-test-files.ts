import { ROBOT_DECLARATIONS, type RobotDeclaration } from '../contracts/robot-declarations.js';

/**
 * Where a robot's workflow test lives: `test/workflows/{workflow name without "Workflow", kebab-case}.test.ts`
 * (`get1cPriceWorkflow` → `test/workflows/get-1c-price.test.ts`). Its runs are the robot's replay fixtures.
 */
export function robotWorkflowTestFile(declaration: Pick<RobotDeclaration, 'workflowType'>): string {
  const name = declaration.workflowType
    .replace(/Workflow$/, '')
    .replace(/([a-z])([0-9])/g, '$1-$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase();
  return `test/workflows/${name}.test.ts`;
}

/** The workflow tests of every declared robot, in declaration order. */
export function robotWorkflowTestFiles(): string[] {
  return ROBOT_DECLARATIONS.map(robotWorkflowTestFile);
}
