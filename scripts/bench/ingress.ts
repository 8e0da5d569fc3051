import { randomBytes } from 'node:crypto';
import qs from 'qs';
import { Pool } from 'undici';
import { robotStartOptions } from '../../api/workflow-gateway.js';
import { signalEntityWorkflow } from '../../lib/crm-events/entity-signal.js';
import { crmEventRoutes, findEventRoute, type CrmEvent } from '../../lib/crm-events/event-routes.js';
import type { RobotCall } from '../../contracts/robot-call.js';
import { DEAL_DOCUMENT_TYPE, GET_1C_PRICE } from '../../contracts/robot-declarations.js';
import { provisionWorkflowId } from '../../contracts/workflow-ids.js';
import { eventBody, portalIdentity, robotCallBody } from '../../test/faults/support/bitrix24-bodies.js';
import type { Stack } from '../../test/support/stack.js';
import { startUnpolledApi } from './bench-api.js';
import { combineRuns, perSecond, runClosedLoop, type LoadRun } from './load.js';
import { percentile, type BenchRow } from './stats.js';

export interface IngressOptions {
  /** Requests per path (API and raw client) and kind (robot calls, events), per run. */
  requests?: number;
  concurrency?: number;
  warmup?: number;
  /** Measured runs; the ratio target applies to their median. */
  runs?: number;
}

export const INGRESS_RATIO_TARGET = 0.9;

/**
 * One path's work for a run of `count` operations: what the caller of that path would have ready before it calls
 * (request bodies, start inputs) is built here, outside the timed window; the operation only sends item `index`.
 */
type Path = (count: number) => (index: number) => Promise<void>;

interface PairRun {
  api: LoadRun;
  raw: LoadRun;
  /** CPU the API process spent on the measured API requests, seconds. */
  apiCpuSeconds: number;
  /** CPU this process spent sending the measured API requests (the load generator), seconds. */
  senderCpuSeconds: number;
  /** CPU this process spent on the measured raw starts (the Temporal client), seconds. */
  rawCpuSeconds: number;
}

/**
 * One form POST through undici's low-level `dispatch`: the answer's bytes are collected by a handler instead of a body
 * stream and a promise chain per answer, so the load generator (Bitrix24's part, here on the same two cores) takes
 * less of the machine away from the API and the dev server it is measuring.
 */
function postForm(pool: Pool, path: string, body: string): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    let status = 0;
    const chunks: Buffer[] = [];
    pool.dispatch(
      { method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body },
      {
        onConnect: () => undefined,
        onError: reject,
        onHeaders: (statusCode) => {
          status = statusCode;
          return true;
        },
        onData: (chunk) => {
          chunks.push(chunk);
          return true;
        },
        onComplete: () => {
          try {
            resolve({ status, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
          } catch (error) {
            reject(error as Error);
          }
        },
      },
    );
  });
}

function cpuSecondsSince(before: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1e6;
}

/**
 * Which path each block of a run takes: raw, API, API, raw, then API, raw, raw, API. Each path gets a quarter of the
 * requests in each of its four blocks, spread over the whole run, so that neither a dev server slowing down as its
 * database grows nor a few seconds of a busy machine (this is a shared virtual machine) land on one path only.
 */
const BLOCK_ORDER = ['raw', 'api', 'api', 'raw', 'api', 'raw', 'raw', 'api'] as const;
const BLOCKS_PER_PATH = BLOCK_ORDER.length / 2;

/** Requests in a path's block number `block` (0 to 3): the four add up to `requests` exactly. */
function blockSize(requests: number, block: number): number {
  return Math.floor((requests * (block + 1)) / BLOCKS_PER_PATH) - Math.floor((requests * block) / BLOCKS_PER_PATH);
}

/** With BENCH_DEBUG, one line per block: how far apart the blocks of one run are is the measurement's own spread. */
function printBlock(kind: string, which: string, block: LoadRun, cpuSeconds: number): void {
  if (!process.env.BENCH_DEBUG) return;
  const count = block.samples.length + block.failures;
  process.stdout.write(
    `  ingress ${kind}, ${which} block: ${count} requests, ${perSecond(block).toFixed(0)}/s, p50 ${percentile(block.samples, 50).toFixed(1)} ms, ` +
      `this process ${((cpuSeconds * 1000) / count).toFixed(2)} ms CPU per request\n`,
  );
}

async function measurePair(
  kind: string,
  api: Path,
  raw: Path,
  apiCpuSeconds: () => Promise<number>,
  options: Pick<Required<IngressOptions>, 'requests' | 'concurrency' | 'warmup'>,
): Promise<PairRun> {
  const { requests, concurrency, warmup } = options;
  const run = async (path: Path, count: number): Promise<{ run: LoadRun; cpuSeconds: number }> => {
    const operation = path(count);
    const before = process.cpuUsage();
    const measured = await runClosedLoop(count, concurrency, operation);
    return { run: measured, cpuSeconds: cpuSecondsSince(before) };
  };
  await run(raw, warmup);
  await run(api, warmup);
  const apiRuns: LoadRun[] = [];
  const rawRuns: LoadRun[] = [];
  const totals = { apiCpuSeconds: 0, senderCpuSeconds: 0, rawCpuSeconds: 0 };
  for (const [index, which] of BLOCK_ORDER.entries()) {
    // Each pair of blocks in the order holds one block of each path.
    const count = blockSize(requests, Math.floor(index / 2));
    if (which === 'raw') {
      const block = await run(raw, count);
      printBlock(kind, which, block.run, block.cpuSeconds);
      rawRuns.push(block.run);
      totals.rawCpuSeconds += block.cpuSeconds;
    } else {
      const cpuBefore = await apiCpuSeconds();
      const block = await run(api, count);
      totals.apiCpuSeconds += (await apiCpuSeconds()) - cpuBefore;
      printBlock(kind, which, block.run, block.cpuSeconds);
      apiRuns.push(block.run);
      totals.senderCpuSeconds += block.cpuSeconds;
    }
  }
  return { api: combineRuns(apiRuns), raw: combineRuns(rawRuns), ...totals };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

function rowsOf(kind: string, rawLabel: string, pairs: readonly PairRun[], options: Required<IngressOptions>): BenchRow[] {
  const shape = `${options.requests} requests, ${options.concurrency} in flight, ${pairs.length} runs`;
  const apiName = `ingress: ${kind} via API (${shape})`;
  const rawName = `raw ${rawLabel} (${shape})`;
  const ratios = pairs.map((pair) => perSecond(pair.api) / perSecond(pair.raw));
  const ratio = median(ratios);
  const api = combineRuns(pairs.map((pair) => pair.api));
  const raw = combineRuns(pairs.map((pair) => pair.raw));
  const apiRequests = api.samples.length + api.failures;
  const rawRequests = raw.samples.length + raw.failures;
  const msPer = (seconds: (pair: PairRun) => number, count: number) => `${((pairs.reduce((sum, pair) => sum + seconds(pair), 0) * 1000) / count).toFixed(2)} ms`;
  const rows: BenchRow[] = [
    { benchmark: apiName, figure: 'throughput per run', value: pairs.map((pair) => `${perSecond(pair.api).toFixed(0)}`).join(', ') + ' /s' },
    { benchmark: apiName, figure: 'ack p50', value: `${percentile(api.samples, 50).toFixed(1)} ms` },
    { benchmark: apiName, figure: 'ack p99', value: `${percentile(api.samples, 99).toFixed(1)} ms` },
    { benchmark: apiName, figure: 'API process CPU per request', value: msPer((pair) => pair.apiCpuSeconds, apiRequests) },
    { benchmark: apiName, figure: 'load generator CPU per request', value: msPer((pair) => pair.senderCpuSeconds, apiRequests) },
    { benchmark: rawName, figure: 'throughput per run', value: pairs.map((pair) => `${perSecond(pair.raw).toFixed(0)}`).join(', ') + ' /s' },
    { benchmark: rawName, figure: 'p50', value: `${percentile(raw.samples, 50).toFixed(1)} ms` },
    { benchmark: rawName, figure: 'p99', value: `${percentile(raw.samples, 99).toFixed(1)} ms` },
    { benchmark: rawName, figure: 'client CPU per start', value: msPer((pair) => pair.rawCpuSeconds, rawRequests) },
    { benchmark: `ingress: ${kind}`, figure: 'API / raw throughput per run', value: ratios.map((value) => value.toFixed(2)).join(', ') },
    {
      benchmark: `ingress: ${kind}`,
      figure: 'API / raw throughput, median',
      value: ratio.toFixed(2),
      target: `>= ${INGRESS_RATIO_TARGET}`,
      met: ratio >= INGRESS_RATIO_TARGET,
    },
  ];
  for (const [name, run] of [
    [apiName, api],
    [rawName, raw],
  ] as const) {
    if (run.failures > 0) rows.push({ benchmark: name, figure: 'failed requests', value: `${run.failures} (${run.firstFailure ?? ''})`, target: '0', met: false });
  }
  return rows;
}

/**
 * Ingress throughput and durable-ack latency: robot calls and CRM events posted by the emulator
 * to an API process, against `client.workflow.start` / `signalWithStart` with the same workflow types, ids, options,
 * payload codec and concurrency, from this process against the same dev server. Neither path's work is executed
 * (see startUnpolledApi), so both measure exactly "Temporal accepted it".
 */
export async function ingressBenchmark(stack: Stack, input: IngressOptions = {}): Promise<BenchRow[]> {
  const options: Required<IngressOptions> = { requests: 1000, concurrency: 32, warmup: 64, runs: 3, ...input };
  const { client } = stack.temporal;
  const { emulator } = stack;
  await client.workflow.getHandle(provisionWorkflowId(emulator.memberId)).result();
  const api = await startUnpolledApi(stack, { LOG_LEVEL: 'info' });
  // Bitrix24 runs on other machines: the bodies are posted over keep-alive connections without the emulator's own
  // bookkeeping (token minting, invocation records) competing with the API for this machine's two cores.
  const portal = portalIdentity(emulator);
  const pool = new Pool(api.url, { connections: options.concurrency });
  try {
    let sequence = 0;
    const nextIds = (count: number) => Array.from({ length: count }, () => (sequence += 1));

    // The bodies are form-encoded before the timed window, as Bitrix24 has them ready when it calls.
    const robotViaApi: Path = (count) => {
      const bodies = nextIds(count).map((deal) => qs.stringify(robotCallBody(portal, { code: GET_1C_PRICE.code, properties: { article: 'SKU-001' }, dealId: deal })));
      return async (index) => {
        const answer = await postForm(pool, '/bitrix24/bizproc', bodies[index] ?? '');
        if (answer.status !== 200) throw new Error(`API answered ${answer.status}`);
      };
    };
    const robotRaw: Path = (count) => {
      const calls = nextIds(count).map(
        (deal): RobotCall => ({
          memberId: emulator.memberId,
          domain: emulator.domain,
          robotCode: GET_1C_PRICE.code,
          bizprocWorkflowId: `bench-${deal}`,
          documentId: ['crm', 'CCrmDocumentDeal', `DEAL_${deal}`],
          documentType: DEAL_DOCUMENT_TYPE,
          eventToken: `bench-${deal}|A${deal}|${randomBytes(16).toString('hex')}.${randomBytes(32).toString('hex')}`,
          properties: { article: 'SKU-001' },
          useSubscription: true,
          timeoutDuration: 0,
          ts: Math.floor(Date.now() / 1000),
          userId: 1,
        }),
      );
      return async (index) => {
        const call = calls[index];
        if (!call) throw new Error(`no robot call prepared at ${index}`);
        await client.workflow.start(GET_1C_PRICE.workflowType, robotStartOptions(GET_1C_PRICE, call, api.taskQueue));
      };
    };

    // Every event names a deal no entity workflow runs for yet: signalWithStart starts one each time on both paths.
    const eventViaApi: Path = (count) => {
      const bodies = nextIds(count).map((id) => qs.stringify(eventBody(portal, 'ONCRMDEALUPDATE', { FIELDS: { ID: String(1_000_000 + id) } })));
      return async (index) => {
        const answer = await postForm(pool, '/bitrix24/events', bodies[index] ?? '');
        const status = (answer.body as { status?: string } | undefined)?.status;
        if (answer.status !== 200 || status !== 'accepted') throw new Error(`API answered ${answer.status} ${status ?? ''}`);
      };
    };
    const dealRoutes = crmEventRoutes({});
    const eventRaw: Path = (count) => {
      const matches = nextIds(count).map((id) => {
        const event: CrmEvent = {
          memberId: emulator.memberId,
          domain: emulator.domain,
          event: 'ONCRMDEALUPDATE',
          eventHandlerId: '1',
          data: { FIELDS: { ID: String(1_000_000 + id) } },
          ts: Math.floor(Date.now() / 1000),
        };
        const match = findEventRoute(dealRoutes, event);
        if (!match) throw new Error('no route for ONCRMDEALUPDATE');
        return { match, event };
      });
      return async (index) => {
        const prepared = matches[index];
        if (!prepared) throw new Error(`no event prepared at ${index}`);
        await signalEntityWorkflow(client, api.taskQueue, prepared.match, prepared.event);
      };
    };

    const robots: PairRun[] = [];
    const events: PairRun[] = [];
    for (let run = 0; run < options.runs; run += 1) {
      robots.push(await measurePair('robot calls', robotViaApi, robotRaw, api.cpuSeconds, options));
      events.push(await measurePair('CRM events', eventViaApi, eventRaw, api.cpuSeconds, options));
    }
    return [
      ...rowsOf('robot calls', 'client.workflow.start', robots, options),
      ...rowsOf('CRM events', 'client.workflow.signalWithStart', events, options),
    ];
  } finally {
    await pool.close();
    await api.stop();
  }
}
