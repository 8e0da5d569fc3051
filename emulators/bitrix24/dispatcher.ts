import type { Logger } from 'pino';
import type { EmulatorClock } from './clock.js';
import type { CrmEvents } from './crm-events.js';
import { RestError, restErrors } from './errors.js';
import type { EventTokenSigner } from './event-tokens.js';
import type { FailureInjector } from './failures.js';
import { ACCESS, type Access, type CallOutcome, type Caller, type MethodContext, type MethodTable } from './method-types.js';
import type { OperatingTimeBudget } from './operating-time.js';
import { asString, type Params } from './params.js';
import type { RobotRuntime } from './robot-runtime.js';
import { FEATURE_CODES, type EmulatorState } from './state.js';
import { timeBlock } from './time-block.js';
import type { RecordedCall } from './types.js';

export interface DispatcherDeps {
  methods: MethodTable;
  state: EmulatorState;
  clock: EmulatorClock;
  operating: OperatingTimeBudget;
  failures: FailureInjector;
  eventTokens: EventTokenSigner;
  robots: RobotRuntime;
  crmEvents: CrmEvents;
  calls: RecordedCall[];
  logger: Logger;
}

const APP_CONTEXT_REFUSALS: Record<Access, (() => RestError) | undefined> = {
  [ACCESS.any]: undefined,
  [ACCESS.appOnly]: () => restErrors.appContextRequired(403),
  [ACCESS.appOnlyBizproc]: () => restErrors.appContextRequired(400),
  [ACCESS.appOnlyWrongAuthType]: () => restErrors.wrongAuthType(),
};

/** Runs one REST method for an authenticated caller: access rules, scripted failures, operating budget, recording. */
export class Dispatcher {
  constructor(private readonly deps: DispatcherDeps) {}

  async execute(method: string, params: Params, caller: Caller, inBatch = false): Promise<CallOutcome> {
    const name = method.toLowerCase();
    const startMs = this.deps.clock.nowMs();
    const outcome = await this.run(name, params, caller, inBatch);
    const finishMs = Math.max(this.deps.clock.nowMs(), startMs + 1);
    const operating = this.deps.operating.status(name);
    const time = timeBlock(startMs, finishMs, inBatch ? undefined : operating);
    this.record(name, params, caller, inBatch, startMs, outcome);
    return outcome instanceof RestError ? { ok: false, error: outcome, time } : { ok: true, value: outcome, time };
  }

  private async run(name: string, params: Params, caller: Caller, inBatch: boolean) {
    const definition = this.deps.methods[name];
    if (!definition) return restErrors.methodNotFound();
    const refusal = caller.kind === 'webhook' ? APP_CONTEXT_REFUSALS[definition.access ?? ACCESS.any] : undefined;
    if (refusal) return refusal();
    if (definition.adminOnly && !this.isAdmin(caller)) return restErrors.accessDenied(definition.adminOnly.status);
    // Core `CRestServer::checkAuth`: any call carrying `auth_connector` needs the plan's `rest_auth_connector`.
    const authConnector = asString(params.auth_connector);
    if (authConnector && !this.deps.state.features[FEATURE_CODES.authConnector]) return restErrors.wrongLicense('auth_connector');
    const injected = this.deps.failures.take(name);
    if (injected) return injected;
    // `batch` itself is not charged; its commands are, each against its own method.
    if (name !== 'batch') {
      if (this.deps.operating.isBlocked(name)) return restErrors.operationTimeLimit();
      this.deps.operating.charge(name);
    }
    const ctx: MethodContext = {
      state: this.deps.state,
      clock: this.deps.clock,
      caller,
      eventTokens: this.deps.eventTokens,
      robots: this.deps.robots,
      crmEvents: this.deps.crmEvents,
      authConnector,
      inBatch,
      execute: (subMethod, subParams) => this.execute(subMethod, subParams, caller, true),
    };
    try {
      return await definition.handler(params, ctx);
    } catch (error) {
      if (error instanceof RestError) return error;
      this.deps.logger.error({ err: error, method: name }, 'emulated method failed');
      return restErrors.internal();
    }
  }

  private isAdmin(caller: Caller): boolean {
    return this.deps.state.users.some((user) => user.ID === String(caller.userId) && user.IS_ADMIN);
  }

  private record(name: string, params: Params, caller: Caller, inBatch: boolean, at: number, outcome: unknown): void {
    const failed = outcome instanceof RestError;
    this.deps.calls.push({
      method: name,
      params,
      at,
      status: failed ? outcome.status : 200,
      ...(failed ? { error: outcome.code } : {}),
      auth: caller.kind,
      userId: caller.userId,
      ...(inBatch ? { inBatch: true } : {}),
    });
  }
}
