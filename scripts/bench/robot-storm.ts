import { setTimeout as delay } from 'node:timers/promises';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import type { Stack } from '../../test/support/stack.js';
import { startService, type ServiceProcess } from '../../test/support/service-process.js';
import { runClosedLoop } from './load.js';
import { drainMs, quietPortal } from './portal-quiet.js';
import type { BenchRow } from './stats.js';

/** The real standard-plan limits: 2 requests per second, burst 50 ([EN] settings/performance/limits.md). */
export const REAL_RATE_LIMIT = { perSecond: 2, burst: 50 } as const;

export const ROBOT_STORM_TARGETS = { makespanSeconds: 15, requests: 30 } as const;

/** Robot calls in flight from the portal to the API at once (the deal storm delivers its events the same way). */
const FIRE_CONCURRENCY = 32;

export interface RobotStormCase {
  workers: 1 | 2;
  batching: boolean;
  calls: number;
  /** Calls actually fired; the rest is extrapolated (only for runs without batching). */
  measuredCalls?: number;
  /** Reference run without any Bitrix24 limit (emulator and workers): the service's own throughput. */
  unlimited?: boolean;
}

export interface RobotStormResult {
  line: string;
  rows: BenchRow[];
}

/** Worker processes with the stack's environment plus `env`, ready once each one polls the task queue. */
async function startWorkers(stack: Stack, count: number, env: NodeJS.ProcessEnv): Promise<ServiceProcess[]> {
  const workers = Array.from({ length: count }, (_, index) =>
    startService(`worker-${index + 1}`, 'worker/main.ts', {
      ...stack.env,
      // Several workers on one machine: no metrics ports to fight over.
      WORKER_METRICS_PORT: '0',
      TEMPORAL_SDK_METRICS_PORT: '0',
      ...env,
    }),
  );
  const taskQueue = stack.env.TEMPORAL_TASK_QUEUE ?? '';
  const deadline = Date.now() + 120_000;
  for (;;) {
    const { pollers } = await stack.temporal.client.workflowService.describeTaskQueue({
      namespace: stack.env.TEMPORAL_NAMESPACE ?? 'default',
      taskQueue: { name: taskQueue },
      taskQueueType: 1,
    });
    const identities = (pollers ?? []).map((poller) => poller.identity ?? '');
    if (workers.every((worker) => identities.some((identity) => identity.startsWith(`${worker.child.pid}@`)))) return workers;
    const exited = workers.find((worker) => worker.child.exitCode !== null);
    if (exited || Date.now() > deadline) {
      await Promise.all(workers.map((worker) => worker.stop()));
      throw new Error(`worker did not start polling:\n${(exited ?? workers[0])?.lines.slice(-20).join('\n')}`);
    }
    await delay(500);
  }
}

async function timelineLines(stack: Stack, fromIndex: number, expected: number, timeoutMs = 900_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const written = () =>
    stack.emulator.calls.slice(fromIndex).filter((call) => call.method === 'crm.timeline.logmessage.add' && call.status === 200).length;
  while (written() < expected && Date.now() < deadline) await delay(250);
}

function label(testCase: RobotStormCase): string {
  const workers = `${testCase.workers} worker${testCase.workers === 1 ? '' : 's'}`;
  const limit = testCase.unlimited ? ', no Bitrix24 limit (the service alone)' : '';
  return `${testCase.calls} calls, ${workers}, batching ${testCase.batching ? 'on' : 'off'}${limit}`;
}

/**
 * Robot storm: `calls` GET_1C_PRICE calls fired at once on one portal at the real 2/s burst 50. Makespan runs from the
 * first call to the last bizproc.event.send; requests and 503s are the emulator's own counts of HTTP REST requests
 * until the storm's work (the timeline lines after each answer included) has settled.
 */
export async function robotStorm(stack: Stack, testCase: RobotStormCase): Promise<RobotStormResult> {
  const { emulator } = stack;
  const measured = testCase.measuredCalls ?? testCase.calls;
  const limits = testCase.unlimited ? { B24_RATE_LIMIT_PER_SECOND: '10000', B24_RATE_LIMIT_BURST: '100000' } : {};
  const workers = await startWorkers(stack, testCase.workers, { B24_BATCHING: String(testCase.batching), ...limits });
  if (testCase.unlimited) emulator.setRateLimit(false);
  try {
    // Each call runs on a deal of its own, so every run also writes its line on the deal's timeline.
    const deals = Array.from({ length: measured + 1 }, (_, index) =>
      emulator.state.addItem(ENTITY_TYPE.deal, { title: `Robot storm deal ${index}`, assignedById: 3 }).id,
    );
    const documentOf = (index: number): [string, string, string] => ['crm', 'CCrmDocumentDeal', `DEAL_${deals[index] ?? 0}`];
    // One call first, so the portal's long-lived workflows have moved to the new workers before the clock starts.
    const warmup = await emulator.fireRobot(`${stack.apiUrl}/bitrix24/bizproc`, {
      code: GET_1C_PRICE.code,
      documentId: documentOf(measured),
      properties: { article: 'SKU-001' },
    });
    await emulator.waitForRobotCompletion(warmup.eventToken, 120_000);
    // From an empty bucket: whatever ran before has drained (burst / rate) and gone quiet.
    await quietPortal(stack, drainMs(REAL_RATE_LIMIT));
    emulator.resetRequestCounts();
    const firstCall = emulator.calls.length;
    const handlerUrl = `${stack.apiUrl}/bitrix24/bizproc`;
    const startedAt = Date.now();
    // All calls are queued at once and delivered through FIRE_CONCURRENCY connections, as the portal's queue does.
    const fired: PromiseSettledResult<Awaited<ReturnType<typeof emulator.fireRobot>>>[] = [];
    let lastAckAt = startedAt;
    await runClosedLoop(measured, FIRE_CONCURRENCY, async (index) => {
      const call = emulator.fireRobot(handlerUrl, {
        code: GET_1C_PRICE.code,
        documentId: documentOf(index),
        properties: { article: `SKU-00${1 + (index % 3)}` },
      });
      fired[index] = await call.then(
        (value) => {
          lastAckAt = Date.now();
          return { status: 'fulfilled', value } as const;
        },
        (reason: unknown) => ({ status: 'rejected', reason }) as const,
      );
    });
    const accepted = fired.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value.status === 200 ? [outcome.value] : []));
    const refused = measured - accepted.length;
    const firstRefusal = fired.find((outcome) => outcome.status === 'rejected' || outcome.value.status !== 200);
    const refusal =
      firstRefusal === undefined
        ? ''
        : firstRefusal.status === 'rejected'
          ? String(firstRefusal.reason)
          : `${firstRefusal.value.status} ${JSON.stringify(firstRefusal.value.body).slice(0, 200)}`;
    const done = await Promise.allSettled(accepted.map((answer) => emulator.waitForRobotCompletion(answer.eventToken, 900_000)));
    const completed = done.flatMap((outcome) => (outcome.status === 'fulfilled' && outcome.value.status === 'completed' ? [outcome.value] : []));
    const lastSendAt = Math.max(...completed.map((invocation) => invocation.completedAt ?? startedAt));
    const makespanSeconds = (lastSendAt - startedAt) / 1000;
    const sendTimes = completed.map((invocation) => ((invocation.completedAt ?? startedAt) - startedAt) / 1000).sort((a, b) => a - b);
    const halfAnsweredSeconds = sendTimes[Math.floor(sendTimes.length / 2)] ?? 0;
    // The timeline line after each answer is part of the storm's cost: wait for every one of them.
    await timelineLines(stack, firstCall, completed.length);
    await quietPortal(stack, 1_000);
    const { restRequests, queryLimitRejections } = emulator.requestCounts();
    const recorded = emulator.calls.slice(firstCall);
    const batches = recorded.filter((call) => call.method === 'batch').length;
    const commandsInBatches = recorded.filter((call) => call.inBatch === true).length;

    if (process.env.BENCH_DEBUG) {
      let pendingCommands: string[] = [];
      for (const call of recorded) {
        if (call.inBatch === true) {
          pendingCommands.push(call.method);
          continue;
        }
        const sends = pendingCommands.filter((method) => method === 'bizproc.event.send').length;
        process.stdout.write(`  ${((call.at - startedAt) / 1000).toFixed(2)} s ${call.method} sends ${sends} others ${pendingCommands.length - sends}\n`);
        pendingCommands = [];
      }
    }
    const extrapolated = measured < testCase.calls;
    const scale = testCase.calls / measured;
    const requests = Math.round(restRequests * scale);
    const makespan = extrapolated ? makespanSeconds + (requests - restRequests) / REAL_RATE_LIMIT.perSecond : makespanSeconds;
    const note = extrapolated ? ` (first ${measured} calls measured: makespan ${makespanSeconds.toFixed(1)} s, requests ${restRequests}; extrapolated at 2/s)` : '';
    const line = `robot storm: ${label(testCase)}: makespan ${makespan.toFixed(1)} s, requests ${requests}, 503s ${queryLimitRejections}${note}`;
    const name = `robot storm: ${label(testCase)}${extrapolated ? ` (${measured} measured)` : ''}`;
    const answered = completed.length === measured && refused === 0;
    const rows: BenchRow[] = [
      { benchmark: name, figure: 'calls answered', value: `${completed.length} of ${measured}`, target: 'all', met: answered },
      ...(refused === 0 ? [] : [{ benchmark: name, figure: 'calls the API refused', value: `${refused} (first: ${refusal})`, target: '0', met: false }]),
      {
        benchmark: name,
        figure: 'makespan (first call → last event.send)',
        value: `${makespan.toFixed(1)} s`,
        ...(testCase.batching && testCase.unlimited !== true
          ? { target: `<= ${ROBOT_STORM_TARGETS.makespanSeconds} s`, met: answered && makespan <= ROBOT_STORM_TARGETS.makespanSeconds }
          : {}),
      },
      {
        benchmark: name,
        figure: 'HTTP REST requests',
        value: String(requests),
        ...(testCase.batching && testCase.unlimited !== true ? { target: `<= ${ROBOT_STORM_TARGETS.requests}`, met: requests <= ROBOT_STORM_TARGETS.requests } : {}),
      },
      {
        benchmark: name,
        figure: 'measured: last call acknowledged / half answered',
        value: `${((lastAckAt - startedAt) / 1000).toFixed(1)} s / ${halfAnsweredSeconds.toFixed(1)} s`,
      },
      { benchmark: name, figure: '503 QUERY_LIMIT_EXCEEDED', value: String(queryLimitRejections), target: '0', met: queryLimitRejections === 0 },
      {
        benchmark: name,
        figure: 'measured: plain calls / batches (commands)',
        value: `${restRequests - batches} / ${batches} (${commandsInBatches})`,
      },
    ];
    process.stdout.write(`${line}\n`);
    return { line, rows };
  } finally {
    if (testCase.unlimited) emulator.setRateLimit({ ...REAL_RATE_LIMIT });
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/** Stack options for the robot storm: the emulator and the workers at the real limits. */
export function robotStormStackOptions() {
  return {
    emulator: { rateLimit: { ...REAL_RATE_LIMIT } },
    env: {
      LOG_LEVEL: 'warn',
      B24_RATE_LIMIT_PER_SECOND: String(REAL_RATE_LIMIT.perSecond),
      B24_RATE_LIMIT_BURST: String(REAL_RATE_LIMIT.burst),
      OFFLINE_DRAIN_INTERVAL_SECONDS: '3600',
    },
  };
}
