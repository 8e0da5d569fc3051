import { BATCH_CHUNK_SIZE, buildBatchCommand } from './batch-command.js';
import { readBatchReply, type BatchReplyBody } from './batch-reply.js';
import type { Clock } from './clock.js';
import { Bitrix24Error, Bitrix24LocalError, outcomeUnknown } from './errors.js';
import { REPEAT_SAFETY, repeatSafetyOf } from './repeat-safety.js';
import type { RequestBudget, RequestPriority, RequestSlot } from './request-budget.js';
import type { Bitrix24RawResponse, Bitrix24Time } from './response.js';

export interface QueuedCall {
  method: string;
  params: Record<string, unknown>;
  priority: RequestPriority;
  signal?: AbortSignal | undefined;
  /** Shown in the command's key inside a batch (the `batch()` helper passes its own keys), for people reading logs. */
  label?: string | undefined;
}

export interface BatcherDeps {
  budget: RequestBudget;
  /** Sends one request, spending `slot` on its first attempt (token refresh and 503 retries happen inside). */
  send(
    memberId: string,
    method: string,
    params: Record<string, unknown>,
    opts: { slot: RequestSlot; priority: RequestPriority; signal?: AbortSignal | undefined },
  ): Promise<Bitrix24RawResponse>;
  recordTime(memberId: string, method: string, time: Bitrix24Time | undefined): void;
  noteMethodBlocked(memberId: string, method: string, resetAtMs: number): void;
  clock: Clock;
  /**
   * Pace of partial batches: a request carrying several waiting calls (but fewer than 50) spends a credit; credits
   * refill at `perSecond` (divided among the processes sharing the portal's budget) up to `burst`. Lone calls and
   * full batches never wait for a credit.
   */
  pace: { perSecond: number; burst: number };
  /** Times a read or same-effect command is repeated after its request failed without an answer. Default 2. */
  maxRepeats?: number;
}

export interface BatcherCounters {
  /** Requests that carried one call, as a plain call. */
  loneRequests: number;
  /** `batch` requests and the commands they carried. */
  batchRequests: number;
  batchedCommands: number;
  /** Commands sent again after their request failed without an answer. */
  repeatedCommands: number;
}

export interface Batcher {
  /** Queues one call for the portal; resolves with its own answer, rejects with its own Bitrix24Error. */
  submit(memberId: string, call: QueuedCall): Promise<Bitrix24RawResponse>;
  counters(): BatcherCounters;
}

interface Pending extends QueuedCall {
  queuedAtMs: number;
  resolve(response: Bitrix24RawResponse): void;
  reject(error: unknown): void;
  settled: boolean;
  repeats: number;
  /** Stops listening to the caller's signal: an activity's signal serves many calls, each would leave a listener. */
  detach?: () => void;
}

interface Lane {
  busy: boolean;
  /** Aborts the wait for a request slot when nothing is left to send with it. */
  waiting?: AbortController;
}

interface PortalQueue {
  urgent: Pending[];
  normal: Pending[];
  lanes: Record<RequestPriority, Lane>;
  credits: number;
  creditsAtMs: number;
  creditTimer: boolean;
  lingerTimer: boolean;
  urgentLingerTimer: boolean;
  /** When the calls that had to queue in the last storm window arrived, oldest first. */
  queuedBehindMs: number[];
}

const TEN_MINUTES_MS = 10 * 60_000;

/**
 * Calls to one portal that had to queue within STORM_WINDOW_MS (behind a call of their priority, or while their lane's
 * request waited or was in flight; this process's, times the processes sharing its budget) above which the portal is
 * in a storm: a call that finds its lane empty is still one of many, and it waits for its batch to fill instead of
 * spending a request of its own (a storm's queue empties after every request). Queueing, not the rate, is the sign:
 * sequential robot runs never queue however fast they follow each other, while a storm queues even while the service
 * is still busy accepting it and its calls trickle in. A choice, like the window: long enough to see a bursty storm
 * (the workers hand out work in waves) between its waves.
 */
const STORM_CALLS = 5;
const STORM_WINDOW_MS = 1_000;

/**
 * How long normal calls (timeline lines, reads) wait to ride along with an urgent request before a partial batch of
 * their own spends a request; urgent requests take normal calls after their own. In a storm urgent calls wait as long
 * for their batch to fill: a storm fills 50 commands faster than that, so its requests go full and only its tail is
 * paced, while the answers wait no longer than a paced partial batch (one a second) would make them.
 */
const LINGER_MS = 1000;

/**
 * A unique key per command. A label keeps only characters that cannot start a reference or nest an array when
 * Bitrix24 reads the key (core rest_util.php processBatchStructure rewrites `$...` in keys too).
 */
function commandKey(index: number, label: string | undefined): string {
  const readable = (label ?? '').replace(/[^A-Za-z0-9_.:-]/g, '_').slice(0, 60);
  return readable === '' ? `c${index}` : `c${index}_${readable}`;
}

/**
 * Partial batches go at half the portal's drain rate, two at once: a storm's requests stay well inside the budget and
 * leave room for lone calls and other applications (docs/rate-limits.md).
 */
export function batchPace(rateLimit: { perSecond: number }): BatcherDeps['pace'] {
  return { perSecond: rateLimit.perSecond / 2, burst: 2 };
}

/**
 * Coalesces the calls of every activity in this process into `batch` requests per portal (docs/rate-limits.md).
 * Two lanes per portal, urgent and normal, each with at most one request waiting or in flight; a request takes its
 * commands only once the budget granted its slot, urgent first and FIFO within a priority, so whatever queued
 * meanwhile rides along. A lone call goes at once as a plain call; several waiting calls go as one batch when 50 are
 * waiting or a pace credit is free.
 */
export function createBatcher(deps: BatcherDeps): Batcher {
  const queues = new Map<string, PortalQueue>();
  const maxRepeats = deps.maxRepeats ?? 2;
  const counters: BatcherCounters = { loneRequests: 0, batchRequests: 0, batchedCommands: 0, repeatedCommands: 0 };

  function queueOf(memberId: string): PortalQueue {
    let queue = queues.get(memberId);
    if (queue === undefined) {
      queue = {
        urgent: [],
        normal: [],
        lanes: { urgent: { busy: false }, normal: { busy: false } },
        credits: burstOf(memberId),
        creditsAtMs: deps.clock.now(),
        creditTimer: false,
        lingerTimer: false,
        urgentLingerTimer: false,
        queuedBehindMs: [],
      };
      queues.set(memberId, queue);
    }
    return queue;
  }

  /**
   * Other processes spend the same portal's budget: each paces its partial batches at its share of the rate, and
   * stores its share of the burst (at least one credit), so that the portal sees the burst once, not once per process.
   */
  const sharersOf = (memberId: string) => Math.max(1, deps.budget.sharers?.(memberId) ?? 1);
  const paceOf = (memberId: string) => deps.pace.perSecond / sharersOf(memberId);
  const burstOf = (memberId: string) => Math.max(1, deps.pace.burst / sharersOf(memberId));

  function refillCredits(memberId: string, queue: PortalQueue): void {
    const now = deps.clock.now();
    queue.credits = Math.min(burstOf(memberId), queue.credits + ((now - queue.creditsAtMs) / 1000) * paceOf(memberId));
    queue.creditsAtMs = now;
  }

  /** Evaluates the queue again after `waitMs`; one timer per reason (a credit, a normal call's linger) at a time. */
  function wakeAfter(memberId: string, queue: PortalQueue, reason: 'creditTimer' | 'lingerTimer' | 'urgentLingerTimer', waitMs: number): void {
    if (queue[reason]) return;
    queue[reason] = true;
    void deps.clock.sleep(Math.ceil(waitMs) + 1).then(() => {
      queue[reason] = false;
      evaluate(memberId);
    });
  }

  /** Counts a call that arrives behind others of its priority, or while its lane's request is under way. */
  function noteArrival(queue: PortalQueue, priority: RequestPriority): void {
    const queuedBehind = queue.lanes[priority].busy || (priority === 'urgent' ? queue.urgent : queue.normal).length > 0;
    if (queuedBehind) queue.queuedBehindMs.push(deps.clock.now());
  }

  function inStorm(memberId: string, queue: PortalQueue): boolean {
    const now = deps.clock.now();
    while ((queue.queuedBehindMs[0] ?? now) <= now - STORM_WINDOW_MS) queue.queuedBehindMs.shift();
    return queue.queuedBehindMs.length * sharersOf(memberId) > STORM_CALLS;
  }

  function settle(pending: Pending, outcome: { response: Bitrix24RawResponse } | { error: unknown }): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.detach?.();
    if ('response' in outcome) pending.resolve(outcome.response);
    else pending.reject(outcome.error);
  }

  /** Up to 50 waiting calls, urgent first, FIFO within each priority. */
  function takeCommands(queue: PortalQueue): Pending[] {
    const taken: Pending[] = [];
    for (const list of [queue.urgent, queue.normal]) {
      while (taken.length < BATCH_CHUNK_SIZE && list.length > 0) {
        const next = list.shift() as Pending;
        if (!next.settled) taken.push(next);
      }
    }
    return taken;
  }

  function evaluate(memberId: string): void {
    const queue = queueOf(memberId);
    queue.urgent = queue.urgent.filter((pending) => !pending.settled);
    queue.normal = queue.normal.filter((pending) => !pending.settled);
    const waiting = queue.urgent.length + queue.normal.length;
    if (waiting === 0) {
      queue.lanes.urgent.waiting?.abort();
      queue.lanes.normal.waiting?.abort();
      return;
    }
    refillCredits(memberId, queue);
    const storm = inStorm(memberId, queue);
    for (const priority of ['urgent', 'normal'] as const) {
      const own = priority === 'urgent' ? queue.urgent.length : queue.normal.length;
      if (own === 0 || queue.lanes[priority].busy) continue;
      // The urgent lane waiting for its slot will take up to 50 of the waiting calls, normal ones too: only the rest can
      // fill a normal request. Urgent calls always get a request of their own priority.
      const claimed = priority === 'normal' && queue.lanes.urgent.waiting !== undefined ? BATCH_CHUNK_SIZE : 0;
      const unclaimed = waiting - claimed;
      if (unclaimed <= 0) continue;
      // Lone: the only call of its priority, outside a storm. In a storm a call that finds its lane empty is one of
      // many, and goes with the next paced batch instead of spending a request of its own.
      const lone = own === 1 && !storm;
      const full = unclaimed >= BATCH_CHUNK_SIZE;
      if (!lone && !full) {
        // Normal calls always linger; in a storm urgent ones do too, so that its requests go full, not paced and half empty.
        const oldestMs = (priority === 'urgent' ? queue.urgent[0] : queue.normal[0])?.queuedAtMs ?? deps.clock.now();
        const lingerLeftMs = oldestMs + LINGER_MS - deps.clock.now();
        if ((priority === 'normal' || storm) && lingerLeftMs > 0) {
          wakeAfter(memberId, queue, priority === 'urgent' ? 'urgentLingerTimer' : 'lingerTimer', lingerLeftMs);
          continue;
        }
        if (queue.credits < 1) {
          wakeAfter(memberId, queue, 'creditTimer', ((1 - queue.credits) / paceOf(memberId)) * 1000);
          continue;
        }
        queue.credits -= 1;
      } else if (full && queue.credits >= 1) {
        queue.credits -= 1;
      }
      startRequest(memberId, queue, priority);
    }
  }

  function startRequest(memberId: string, queue: PortalQueue, priority: RequestPriority): void {
    const lane = queue.lanes[priority];
    const waiting = new AbortController();
    lane.busy = true;
    lane.waiting = waiting;
    const done = () => {
      lane.busy = false;
      lane.waiting = undefined;
      evaluate(memberId);
    };
    deps.budget.acquire(memberId, priority, waiting.signal).then(
      (slot) => {
        lane.waiting = undefined;
        const commands = takeCommands(queue);
        if (commands.length === 0) {
          slot.giveBack();
          done();
          return;
        }
        void dispatch(memberId, queue, commands, slot, priority).finally(done);
      },
      // Only an abort rejects: nothing was left to send.
      done,
    );
  }

  async function dispatch(memberId: string, queue: PortalQueue, commands: Pending[], slot: RequestSlot, priority: RequestPriority) {
    if (commands.length === 1) {
      const [only] = commands as [Pending];
      counters.loneRequests += 1;
      try {
        settle(only, { response: await deps.send(memberId, only.method, only.params, { slot, priority, signal: only.signal }) });
      } catch (error) {
        settle(only, { error });
      }
      return;
    }
    counters.batchRequests += 1;
    counters.batchedCommands += commands.length;
    const keys = commands.map((pending, index) => commandKey(index, pending.label));
    const cmd = Object.fromEntries(commands.map((pending, index) => [keys[index], buildBatchCommand(pending)]));
    let reply: Bitrix24RawResponse;
    try {
      reply = await deps.send(memberId, 'batch', { halt: 0, cmd }, { slot, priority });
    } catch (error) {
      failedAsAWhole(queue, commands, error);
      return;
    }
    const entries = readBatchReply(reply.result as BatchReplyBody, keys);
    const unanswered: Pending[] = [];
    commands.forEach((pending, index) => {
      const entry = entries.get(keys[index] as string);
      deps.recordTime(memberId, pending.method, entry?.time);
      if (entry?.error !== undefined) {
        const { error: code, error_description: description } = entry.error;
        if (code === 'OPERATION_TIME_LIMIT') {
          const resetAt = entry.time?.operating_reset_at;
          deps.noteMethodBlocked(memberId, pending.method, typeof resetAt === 'number' ? resetAt * 1000 : deps.clock.now() + TEN_MINUTES_MS);
        }
        // A command's own refusal, classified as the same call alone would be (its HTTP status is not reported).
        const error = new Bitrix24Error({ code, status: 400, description, method: pending.method, time: entry.time, nowMs: deps.clock.now(), scope: 'command' });
        settle(pending, { error });
      } else if (entry?.hasResult === true) {
        const response: Bitrix24RawResponse = { result: entry.result };
        if (entry.total !== undefined) response.total = entry.total;
        if (entry.next !== undefined) response.next = entry.next;
        if (entry.time !== undefined) response.time = entry.time;
        settle(pending, { response });
      } else {
        unanswered.push(pending);
      }
    });
    if (unanswered.length > 0) {
      const error = new Bitrix24Error({
        code: Bitrix24LocalError.UNEXPECTED_RESPONSE,
        status: 200,
        description: 'batch answered neither a result nor an error for this command',
        method: 'batch',
      });
      failedAsAWhole(queue, unanswered, error);
    }
  }

  /**
   * The request failed as a whole. When nobody knows whether Bitrix24 ran it, reads and same-effect writes go back to
   * the head of the queue (a bounded number of times); every other command fails with the request's error, which
   * the catalogue classifies (retryable for timeouts and 5xx), so its activity looks up and retries.
   */
  function failedAsAWhole(queue: PortalQueue, commands: Pending[], error: unknown): void {
    const repeat: Pending[] = [];
    for (const pending of commands) {
      const safe = repeatSafetyOf(pending.method) !== REPEAT_SAFETY.unknown;
      if (outcomeUnknown(error) && safe && pending.repeats < maxRepeats && !pending.settled) {
        pending.repeats += 1;
        counters.repeatedCommands += 1;
        repeat.push(pending);
      } else {
        settle(pending, { error });
      }
    }
    queue.urgent.unshift(...repeat.filter((pending) => pending.priority === 'urgent'));
    queue.normal.unshift(...repeat.filter((pending) => pending.priority === 'normal'));
  }

  return {
    submit(memberId, call) {
      call.signal?.throwIfAborted();
      return new Promise<Bitrix24RawResponse>((resolve, reject) => {
        const pending: Pending = { ...call, queuedAtMs: deps.clock.now(), resolve, reject, settled: false, repeats: 0 };
        const queue = queueOf(memberId);
        noteArrival(queue, call.priority);
        (call.priority === 'urgent' ? queue.urgent : queue.normal).push(pending);
        // A cancelled activity stops waiting at once; a command already sent still runs for the others in its batch.
        const signal = call.signal;
        if (signal !== undefined) {
          const onAbort = () => {
            settle(pending, { error: signal.reason });
            evaluate(memberId);
          };
          signal.addEventListener('abort', onAbort, { once: true });
          pending.detach = () => signal.removeEventListener('abort', onAbort);
        }
        evaluate(memberId);
      });
    },
    counters: () => ({ ...counters }),
  };
}
