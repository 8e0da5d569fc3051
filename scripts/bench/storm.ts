import { setTimeout as delay } from 'node:timers/promises';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { SA_OUTCOME, OUTCOMES } from '../../contracts/search-attributes.js';
import { provisionWorkflowId } from '../../contracts/workflow-ids.js';
import type { RecordedCall } from '../../emulators/bitrix24/index.js';
import type { Stack } from '../../test/support/stack.js';
import { runClosedLoop } from './load.js';
import type { BenchRow } from './stats.js';

/** Bitrix24's limits scaled ten-fold (2/s, burst 50 → 20/s, burst 50), for the emulator and the worker alike. */
export const STORM_RATE_LIMIT = { perSecond: 20, burst: 50 } as const;

export const STORM_TARGETS = { callsRatio: 1.1, makespanRatio: 1.2 } as const;

export interface StormOptions {
  deals?: number;
  eventsPerDeal?: number;
  /** Events in flight from the portal to the API at once. */
  concurrency?: number;
}

/** Worker and emulator settings the storm needs; pass to startStack. */
export function stormStackOptions() {
  return {
    emulator: { rateLimit: { ...STORM_RATE_LIMIT } },
    env: {
      LOG_LEVEL: 'warn',
      B24_RATE_LIMIT_PER_SECOND: String(STORM_RATE_LIMIT.perSecond),
      B24_RATE_LIMIT_BURST: String(STORM_RATE_LIMIT.burst),
      // The schedule's empty-queue reads are not part of the storm (events arrive online only).
      OFFLINE_DRAIN_INTERVAL_SECONDS: '3600',
    },
  };
}

const LIST_PAGE = 50;
const BATCH_CHUNK = 50;

/**
 * The least a coalesced pass of the deal-products process can do for a deal with `rows` product rows and no shipment
 * elements yet: read the rows (one list call per 50), read the deal's elements (one call: there are none), and add one
 * element per row through `batch` (one call per 50 commands).
 */
export function minimumCallsPerDeal(rows: number): number {
  const rowPages = Math.max(1, Math.ceil(rows / LIST_PAGE));
  const elementPages = 1;
  return rowPages + elementPages + Math.ceil(rows / BATCH_CHUNK);
}

/** The shortest time the portal's bucket allows for `calls` requests: the burst goes at once, the rest at the rate. */
export function minimumMakespanSeconds(calls: number): number {
  return Math.max(0, calls - STORM_RATE_LIMIT.burst) / STORM_RATE_LIMIT.perSecond;
}

function rowsForDeal(index: number): number {
  return 1 + (index % 5);
}

function ownerIdOf(call: RecordedCall): string | undefined {
  const filter = call.params.filter as Record<string, unknown> | undefined;
  const ownerId = filter?.['=ownerId'];
  return ownerId === undefined ? undefined : String(ownerId);
}

interface StormDeals {
  rowsByDeal: Map<number, number>;
  minimumCalls: number;
}

function seedStormDeals(stack: Stack, deals: number): StormDeals {
  const rowsByDeal = new Map<number, number>();
  for (let index = 0; index < deals; index += 1) {
    const deal = stack.emulator.state.addItem(ENTITY_TYPE.deal, { title: `Storm deal ${index}`, opportunity: 100, currencyId: 'RUB', assignedById: 3 });
    const rows = rowsForDeal(index);
    stack.emulator.state.setProductRows(
      'D',
      deal.id,
      Array.from({ length: rows }, (_, row) => ({ productId: 100 + row, productName: `Part ${row}`, price: 10 + row, quantity: 1 + row })),
    );
    rowsByDeal.set(deal.id, rows);
  }
  const minimumCalls = [...rowsByDeal.values()].reduce((sum, rows) => sum + minimumCallsPerDeal(rows), 0);
  return { rowsByDeal, minimumCalls };
}

function allSynced(stack: Stack, { rowsByDeal }: StormDeals): boolean {
  return [...rowsByDeal].every(
    ([id, rows]) => stack.emulator.state.listElements.filter((element) => element.CODE.startsWith(`deal-${id}-row-`)).length === rows,
  );
}

/**
 * Done once every deal is synced and no call came for a while (a late extra pass would show); a storm that stalls is
 * reported as it stands after a longer silence.
 */
async function waitUntilSettled(stack: Stack, deals: StormDeals, deliveredAt: number): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const quietForMs = Date.now() - Math.max(stack.emulator.calls.at(-1)?.at ?? 0, deliveredAt);
    if (quietForMs > (allSynced(stack, deals) ? 5_000 : 30_000) || Date.now() > deadline) return;
    await delay(250);
  }
}

interface StormOutcome {
  name: string;
  delivered: { acknowledged: number; total: number; elapsedMs: number; firstRefusal?: string };
  synced: boolean;
  calls: RecordedCall[];
  minimumCalls: number;
  startedAt: number;
  dealIds: number[];
  failedWorkflows: number;
}

function stormRows(outcome: StormOutcome): BenchRow[] {
  const { name, calls, minimumCalls, startedAt, synced } = outcome;
  const limited = calls.filter((call) => call.status === 503).length;
  const makespanSeconds = ((calls.at(-1)?.at ?? startedAt) - startedAt) / 1000;
  const firstCallSeconds = ((calls[0]?.at ?? startedAt) - startedAt) / 1000;
  // After the burst the bucket's rate bounds the pace: what the worker's limiter achieved there.
  const afterBurst = calls.slice(STORM_RATE_LIMIT.burst);
  const sustainedSeconds = ((afterBurst.at(-1)?.at ?? 0) - (afterBurst[0]?.at ?? 0)) / 1000;
  const sustainedRate = afterBurst.length > 1 ? (afterBurst.length - 1) / sustainedSeconds : Number.NaN;
  const minimumSeconds = minimumMakespanSeconds(minimumCalls);
  const passes = calls.filter((call) => call.method === 'crm.item.productrow.list' && call.status === 200);
  const repeated = outcome.dealIds.filter((id) => passes.filter((call) => ownerIdOf(call) === String(id)).length > 1).length;
  const byMethod = new Map<string, number>();
  for (const call of calls) byMethod.set(call.method, (byMethod.get(call.method) ?? 0) + 1);
  const callsRatio = calls.length / minimumCalls;
  const makespanRatio = makespanSeconds / minimumSeconds;
  const { acknowledged, total, elapsedMs, firstRefusal } = outcome.delivered;
  const refusal = firstRefusal === undefined ? '' : ` (first refusal: ${firstRefusal})`;
  return [
    { benchmark: name, figure: 'events acknowledged', value: `${acknowledged} of ${total}${refusal}`, target: 'all', met: acknowledged === total },
    { benchmark: name, figure: 'delivery time', value: `${(elapsedMs / 1000).toFixed(2)} s` },
    { benchmark: name, figure: 'every deal synced', value: synced ? 'yes' : 'no', target: 'yes', met: synced },
    { benchmark: name, figure: 'passes (deals with > 1)', value: `${passes.length} (${repeated})` },
    { benchmark: name, figure: 'REST calls (minimum)', value: `${calls.length} (${minimumCalls})` },
    { benchmark: name, figure: 'calls / minimum', value: callsRatio.toFixed(2), target: `<= ${STORM_TARGETS.callsRatio}`, met: synced && callsRatio <= STORM_TARGETS.callsRatio },
    { benchmark: name, figure: '503 QUERY_LIMIT_EXCEEDED', value: String(limited) },
    { benchmark: name, figure: 'failed entity workflows', value: String(outcome.failedWorkflows), target: '0', met: outcome.failedWorkflows === 0 },
    { benchmark: name, figure: 'makespan (limit minimum)', value: `${makespanSeconds.toFixed(1)} s (${minimumSeconds.toFixed(1)} s)` },
    {
      benchmark: name,
      figure: 'makespan / minimum',
      value: makespanRatio.toFixed(2),
      target: `<= ${STORM_TARGETS.makespanRatio}`,
      met: synced && makespanRatio <= STORM_TARGETS.makespanRatio,
    },
    { benchmark: name, figure: 'first REST call after', value: `${firstCallSeconds.toFixed(1)} s` },
    { benchmark: name, figure: 'makespan from first call / minimum', value: ((makespanSeconds - firstCallSeconds) / minimumSeconds).toFixed(2) },
    { benchmark: name, figure: 'call rate after the burst', value: `${sustainedRate.toFixed(1)} /s` },
    ...[...byMethod].map(([method, count]) => ({ benchmark: name, figure: `calls: ${method}`, value: String(count) })),
  ];
}

/**
 * Rate-limit storm (issue 7, benchmark 2): `eventsPerDeal` updates for each of `deals` deals, delivered online through
 * the API the way the portal delivers them (one POST per change to the bound handler), each deal's updates in a burst
 * as an import or an automation rule produces them. Each deal has product rows, so its pass reads them and fills the
 * shipment list. Requires a stack started with stormStackOptions().
 */
export async function rateLimitStorm(stack: Stack, input: StormOptions = {}): Promise<BenchRow[]> {
  const { deals, eventsPerDeal, concurrency } = { deals: 100, eventsPerDeal: 5, concurrency: 32, ...input };
  const { emulator } = stack;
  const { client } = stack.temporal;
  await client.workflow.getHandle(provisionWorkflowId(emulator.memberId)).result();
  const binding = emulator.state.eventBindings.find((candidate) => candidate.event === 'ONCRMDEALUPDATE' && !candidate.offline);
  if (!binding) throw new Error('provisioning bound no online ONCRMDEALUPDATE handler');
  const seeded = seedStormDeals(stack, deals);
  const dealIds = [...seeded.rowsByDeal.keys()];

  // Provisioning's own calls leave the bucket part full: let it drain so the storm starts from an empty bucket.
  await delay((STORM_RATE_LIMIT.burst / STORM_RATE_LIMIT.perSecond) * 1000 + 500);
  const firstCall = emulator.calls.length;
  const deliveries = dealIds.flatMap((id) => Array.from({ length: eventsPerDeal }, (_, edit) => ({ id, edit })));
  const startedAt = Date.now();
  const delivered = await runClosedLoop(deliveries.length, concurrency, async (index) => {
    const { id, edit } = deliveries[index] ?? { id: 0, edit: 0 };
    emulator.state.items.update(ENTITY_TYPE.deal, id, { title: `Storm deal ${id}, edit ${edit + 1}` }, 1);
    const answer = await emulator.fireEvent(binding.handler, 'ONCRMDEALUPDATE', { FIELDS: { ID: id } });
    if (answer.status !== 200) throw new Error(`${answer.status} ${(answer.body as { error?: string } | undefined)?.error ?? ''}`.trim());
  });
  await waitUntilSettled(stack, seeded, startedAt + delivered.elapsedMs);

  const failed = await client.workflow.count(
    `WorkflowType = 'entityWorkflow' AND (ExecutionStatus = 'Failed' OR ${SA_OUTCOME.name} = '${OUTCOMES.failed}')`,
  );
  return stormRows({
    name: `storm: ${deliveries.length} updates for ${deals} deals, ${STORM_RATE_LIMIT.perSecond}/s burst ${STORM_RATE_LIMIT.burst}`,
    delivered: {
      acknowledged: delivered.samples.length,
      total: deliveries.length,
      elapsedMs: delivered.elapsedMs,
      ...(delivered.firstFailure === undefined ? {} : { firstRefusal: delivered.firstFailure }),
    },
    synced: allSynced(stack, seeded),
    calls: emulator.calls.slice(firstCall).filter((call) => call.inBatch !== true),
    minimumCalls: seeded.minimumCalls,
    startedAt,
    dealIds,
    failedWorkflows: failed.count,
  });
}
