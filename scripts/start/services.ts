import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const LOOPBACK = '127.0.0.1';

export const DEFAULT_PORTS = {
  temporal: 7233,
  temporalUi: 8233,
  api: 3000,
  emulator: 3001,
} as const;

/** An external-system simulator started in emulator mode; activities find it through `urlEnv`. */
export interface SimulatorSpec {
  name: string;
  entry: string;
  port: number;
  /** Variable the simulator's main.ts reads its port from. */
  portEnv: string;
  /** Variable the service reads the system's base URL from (lib/config.ts). */
  urlEnv: string;
  /** Appended to the simulator's base URL for `urlEnv` (the ERP is reached through its WSDL). */
  urlPath?: string;
}

export const SIMULATORS: readonly SimulatorSpec[] = [
  { name: '1c', entry: 'emulators/onec/main.ts', port: 3101, portEnv: 'ONEC_SIM_PORT', urlEnv: 'ONEC_BASE_URL' },
  { name: 'erp', entry: 'emulators/erp/main.ts', port: 3102, portEnv: 'ERP_SIM_PORT', urlEnv: 'ERP_WSDL_URL', urlPath: '/erp?wsdl' },
  { name: 'finance', entry: 'emulators/finance/main.ts', port: 3103, portEnv: 'FINANCE_SIM_PORT', urlEnv: 'FINANCE_BASE_URL' },
  { name: 'jira', entry: 'emulators/jira/main.ts', port: 3104, portEnv: 'JIRA_SIM_PORT', urlEnv: 'JIRA_BASE_URL' },
];

/** Simulators whose entry point exists yet: the table lists the planned ones before they are written. */
export function availableSimulators(
  repoRoot: string,
  simulators: readonly SimulatorSpec[] = SIMULATORS,
  fileExists: (path: string) => boolean = existsSync,
): SimulatorSpec[] {
  return simulators.filter((simulator) => fileExists(join(repoRoot, simulator.entry)));
}

export function simulatorUrl(simulator: SimulatorSpec): string {
  return `http://${LOOPBACK}:${simulator.port}${simulator.urlPath ?? ''}`;
}
