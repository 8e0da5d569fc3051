import { setTimeout as delay } from 'node:timers/promises';
import { ENTITY_TYPE } from '../../contracts/documents.js';
import { SA_OUTCOME, OUTCOMES } from '../../contracts/search-attributes.js';
import { provisionWorkflowId } from '../../contracts/workflow-ids.js';
import type { RecordedCall } from '../../emulators/bitrix24/index.js';
import type { Stack } from '../../test/support/stack.js';
import { runClosedLoop } from './load.js';
import { drainMs, quietPortal } from './portal-quiet.js';
import { REAL_RATE_LIMIT } from './robot-storm.js';
import type { BenchRow } from './stats.js';

const LIST_PAGE = 50;

/** The real standard-plan limits, for the emulator and the worker alike. */
export const STORM_RATE_LIMIT = REAL_RATE_LIMIT;

export const STORM_TARGETS = { makespanSeconds: 12 } as const;

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

/**
 * The commands a coalesced pass of the deal-products process needs for a deal with `rows` product rows and no
 * shipment elements yet: read the rows (one list page per 50), read the deal's elements (one page: there are none),
 * and add one element per row.
 */
export function commandsPerDeal(rows: number): number {
  return Math.max(1, Math.ceil(rows / LIST_PAGE)) + 1 + rows;
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
  commands: number;
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
  const commands = [...rowsByDeal.values()].reduce((sum, rows) => sum + commandsPerDeal(rows), 0);
  return { rowsByDeal, commands };
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
  /** Every call the emulator recorded: HTTP requests and the commands inside batches. */
  calls: RecordedCall[];
  requests: { restRequests: number; queryLimitRejections: number };
  commandsNeeded: number;
  startedAt: number;
  dealIds: number[];
  failedWorkflows: number;
}

function stormRows(outcome: StormOutcome): BenchRow[] {
  const { name, calls, startedAt, synced } = outcome;
  const makespanSeconds = ((calls.at(-1)?.at ?? startedAt) - startedAt) / 1000;
  const firstCallSeconds = ((calls[0]?.at ?? startedAt) - startedAt) / 1000;
  const commands = calls.filter((call) => call.method !== 'batch');
  const passes = commands.filter((call) => call.method === 'crm.item.productrow.list' && call.status === 200);
  const repeated = outcome.dealIds.filter((id) => passes.filter((call) => ownerIdOf(call) === String(id)).length > 1).length;
  const byMethod = new Map<string, number>();
  for (const call of commands) byMethod.set(call.method, (byMethod.get(call.method) ?? 0) + 1);
  const { acknowledged, total, elapsedMs, firstRefusal } = outcome.delivered;
  const refusal = firstRefusal === undefined ? '' : ` (first refusal: ${firstRefusal})`;
  const { restRequests, queryLimitRejections } = outcome.requests;
  return [
    { benchmark: name, figure: 'events acknowledged', value: `${acknowledged} of ${total}${refusal}`, target: 'all', met: acknowledged === total },
    { benchmark: name, figure: 'delivery time', value: `${(elapsedMs / 1000).toFixed(2)} s` },
    { benchmark: name, figure: 'every deal synced', value: synced ? 'yes' : 'no', target: 'yes', met: synced },
    { benchmark: name, figure: 'passes (deals with > 1)', value: `${passes.length} (${repeated})` },
    { benchmark: name, figure: 'commands (needed)', value: `${commands.length} (${outcome.commandsNeeded})` },
    { benchmark: name, figure: 'HTTP REST requests', value: String(restRequests) },
    { benchmark: name, figure: '503 QUERY_LIMIT_EXCEEDED', value: String(queryLimitRejections), target: '0', met: queryLimitRejections === 0 },
    { benchmark: name, figure: 'failed entity workflows', value: String(outcome.failedWorkflows), target: '0', met: outcome.failedWorkflows === 0 },
    {
      benchmark: name,
      figure: 'makespan (first event → last request)',
      value: `${makespanSeconds.toFixed(1)} s`,
      target: `<= ${STORM_TARGETS.makespanSeconds} s`,
      met: synced && makespanSeconds <= STORM_TARGETS.makespanSeconds,
    },
    { benchmark: name, figure: 'first REST call after', value: `${firstCallSeconds.toFixed(1)} s` },
    ...[...byMethod].map(([method, count]) => ({ benchmark: name, figure: `commands: ${method}`, value: String(count) })),
  ];
}

/**
 * Rate-limit storm: `eventsPerDeal` updates for each of `deals` deals, delivered online through
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
  await quietPortal(stack, drainMs(STORM_RATE_LIMIT));
  emulator.resetRequestCounts();
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
    calls: emulator.calls.slice(firstCall),
    requests: emulator.requestCounts(),
    commandsNeeded: seeded.commands,
    startedAt,
    dealIds,
    failedWorkflows: failed.count,
  });
}
