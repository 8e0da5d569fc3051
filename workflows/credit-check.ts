import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  isCancellation,
  log,
  proxyActivities,
  proxyLocalActivities,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import type { CreditCheckSettings } from '../activities/credit/settings.js';
import type { CompanyCredit } from '../integrations/finance/client.js';
import type { Activities } from '../activities/index.js';
import { FINANCE_FAILURES } from '../contracts/failures/finance.js';
import type { RobotCall, RobotOutcome } from '../contracts/robot-call.js';
import type { CHECK_CREDIT_LIMIT, RobotCallOf, RobotProperties } from '../contracts/robot-declarations.js';
import { OUTCOMES } from '../contracts/search-attributes.js';
import {
  decideCredit,
  financeOutage,
  financeUnusable,
  unknownCompany,
  type CreditRequest,
  type CreditReturnValues,
} from './credit-decision.js';
import { finishRobot, reportProgress } from './robot/finish.js';

export type CreditCheckProperties = RobotProperties<typeof CHECK_CREDIT_LIMIT>;

const { processSettings } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5 seconds' });

const { notifyCreditApprover } = proxyActivities<Activities>({
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  scheduleToCloseTimeout: '24 hours',
});

type LookupResult =
  | { kind: 'answered'; figures: CompanyCredit }
  | { kind: 'unknown-company' }
  | { kind: 'unusable'; detail: string };

type AttemptFailure = Exclude<LookupResult, { kind: 'answered' }> | { kind: 'unavailable'; problem: string };

/** What the attempts have seen so far; read by the escalation once the wait is over. */
interface AttemptLog {
  firstAttemptAt?: number;
  firstFailureAt?: number;
  lastProblem?: string;
  failedAttempts: number;
}

/**
 * BP activity CHECK_CREDIT_LIMIT: reads the company's limit and debt from the finance system and returns
 * `available_limit` (limit − debt), `approval_required` (amount above it) and `reason`.
 * While the finance system is unavailable it tries again every retry interval, writing one progress line per failed
 * attempt. A timer started with the first attempt ends the wait exactly `waitMs` after the call (`call.ts`): then the
 * request goes to manual approval with the outage in the reason, and the approver is notified once.
 */
export async function creditCheckWorkflow(call: RobotCallOf<typeof CHECK_CREDIT_LIMIT>): Promise<RobotOutcome<CreditReturnValues>> {
  const request = toCreditRequest(call.properties);
  const { credit } = await processSettings();
  if (!credit) {
    const values = financeUnusable('this worker has no credit-check settings');
    return await finishRobot(call, values, values.reason, OUTCOMES.failed);
  }

  const deadline = waitDeadline(call, credit.waitMs);
  const attempts: AttemptLog = { failedAttempts: 0 };
  let result: LookupResult;
  try {
    // A call that arrives after its wait already ran out still gets one full attempt.
    const waitLeft = Math.max(deadline - Date.now(), credit.attemptTimeoutMs);
    result = await CancellationScope.withTimeout(waitLeft, () => lookUpUntilAnswered(call, request, credit, deadline, attempts));
  } catch (error) {
    if (!isCancellation(error) || CancellationScope.current().consideredCancelled) throw error;
    return await escalate(call, request, credit, attempts);
  }

  switch (result.kind) {
    case 'answered': {
      const values = decideCredit(request, result.figures);
      return await finishRobot(call, values, values.reason);
    }
    case 'unknown-company': {
      const values = unknownCompany(request);
      return await finishRobot(call, values, values.reason);
    }
    case 'unusable': {
      log.error('The finance system cannot be used; routing to manual approval', { detail: result.detail });
      const values = financeUnusable(result.detail);
      return await finishRobot(call, values, values.reason, OUTCOMES.failed);
    }
  }
}

async function lookUpUntilAnswered(
  call: RobotCall,
  request: CreditRequest,
  credit: CreditCheckSettings,
  deadline: number,
  attempts: AttemptLog,
): Promise<LookupResult> {
  // One activity attempt per try: the workflow paces the retries so each failure gets its progress line.
  const { readCompanyCredit } = proxyActivities<Activities>({
    startToCloseTimeout: credit.attemptTimeoutMs,
    retry: { maximumAttempts: 1 },
  });
  for (;;) {
    const attemptAt = Date.now();
    attempts.firstAttemptAt ??= attemptAt;
    let failure: AttemptFailure;
    try {
      return { kind: 'answered', figures: await readCompanyCredit({ companyId: request.companyId }) };
    } catch (error) {
      if (isCancellation(error)) throw error;
      failure = classifyAttemptFailure(error);
    }
    if (failure.kind !== 'unavailable') return failure;

    attempts.failedAttempts += 1;
    attempts.firstFailureAt ??= Date.now();
    attempts.lastProblem = failure.problem;
    const nextAttemptAt = attemptAt + credit.retryIntervalMs;
    await reportProgress(call, progressLine(request, attempts, nextAttemptAt, deadline));
    const pause = nextAttemptAt - Date.now();
    if (pause > 0) await sleep(pause);
  }
}

async function escalate(
  call: RobotCall,
  request: CreditRequest,
  credit: CreditCheckSettings,
  attempts: AttemptLog,
): Promise<RobotOutcome<CreditReturnValues>> {
  const values = financeOutage(
    {
      since: attempts.firstFailureAt ?? attempts.firstAttemptAt ?? Date.now(),
      lastProblem: attempts.lastProblem,
      failedAttempts: attempts.failedAttempts,
    },
    credit.waitMs,
  );
  log.warn('Finance system unavailable for the whole wait; routing to manual approval', {
    failedAttempts: attempts.failedAttempts,
  });
  const amount = request.currency ? `${request.amount} ${request.currency}` : String(request.amount);
  await notifyCreditApprover({
    memberId: call.memberId,
    userId: credit.approverUserId,
    message:
      `Credit check for company ${request.companyId} (amount ${amount}, document ${call.documentId[2]}) ` +
      `needs your approval: ${values.reason}`,
  });
  return await finishRobot(call, values, values.reason, OUTCOMES.escalated);
}

function classifyAttemptFailure(error: unknown): AttemptFailure {
  if (!(error instanceof ActivityFailure)) throw error;
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) {
    if (cause.type === FINANCE_FAILURES.type.CompanyNotFound) return { kind: 'unknown-company' };
    if (cause.nonRetryable) return { kind: 'unusable', detail: cause.message };
    return { kind: 'unavailable', problem: describeProblem(cause) };
  }
  if (cause instanceof TimeoutFailure) return { kind: 'unavailable', problem: 'no answer in time' };
  return { kind: 'unavailable', problem: cause?.message ?? error.message };
}

/** A short word for the progress line and the reason: "maintenance", "network ECONNREFUSED", "HTTP 500". */
function describeProblem(failure: ApplicationFailure): string {
  const details = failure.details?.[0] as { reason?: unknown; code?: unknown; status?: unknown } | undefined;
  if (typeof details?.reason === 'string') return typeof details.code === 'string' ? `${details.reason} ${details.code}` : details.reason;
  if (typeof details?.status === 'number') return `HTTP ${details.status}`;
  return failure.message;
}

function progressLine(request: CreditRequest, attempts: AttemptLog, nextAttemptAt: number, deadline: number): string {
  const since = new Date(attempts.firstFailureAt ?? Date.now()).toISOString();
  const next =
    nextAttemptAt < deadline ? `next try at ${new Date(nextAttemptAt).toISOString()}` : 'no time left for another try';
  return (
    `Credit check for company ${request.companyId}: the finance system is unavailable (${attempts.lastProblem}) ` +
    `since ${since}, attempt ${attempts.failedAttempts} failed; ${next}. ` +
    `Manual approval at ${new Date(deadline).toISOString()} if it stays unavailable.`
  );
}

/** The wait runs from the call (`call.ts`), but never from a moment after this run started (clock skew). */
function waitDeadline(call: RobotCall, waitMs: number): number {
  const startedAt = workflowInfo().runStartTime.getTime();
  const calledAt = call.ts > 0 ? Math.min(call.ts * 1000, startedAt) : startedAt;
  return calledAt + waitMs;
}

function toCreditRequest(properties: CreditCheckProperties): CreditRequest {
  const currency = typeof properties.currency === 'string' ? properties.currency.trim() : '';
  return {
    companyId: String(properties.company_id),
    amount: Number(properties.amount),
    ...(currency === '' ? {} : { currency }),
  };
}
