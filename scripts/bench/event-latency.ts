import { ENTITY_TYPE } from '../../contracts/documents.js';
import { provisionWorkflowId } from '../../contracts/workflow-ids.js';
import type { RecordedCall } from '../../emulators/bitrix24/index.js';
import type { Stack } from '../../test/support/stack.js';
import { percentile, type BenchRow } from './stats.js';

/** The default of ENTITY_COALESCE_WINDOW_MS (lib/config.ts): every event waits this long for a storm to settle. */
const DEFAULT_COALESCE_WINDOW_MS = 2_000;
const WAIT_FOR_WRITE_MS = 60_000;

export interface EventLatencyOptions {
  /** Measured events per case (default 20), after `warmup` unmeasured ones (default 2). */
  events?: number;
  warmup?: number;
}

export interface EventLatencyResult {
  /** Milliseconds from the user's change in the emulator to the resulting write the emulator recorded. */
  invoiceUpdate: number[];
  claimAdd: number[];
  coalesceWindowMs: number;
  rows: BenchRow[];
}

interface SmartProcessTypes {
  claimEntityTypeId: number;
  invoiceTotalEntityTypeId: number;
}

/** Provisioning runs on install; the smart processes it created are in the emulator's state. */
async function provisionedTypes(stack: Stack): Promise<SmartProcessTypes> {
  await stack.temporal.client.workflow.getHandle(provisionWorkflowId(stack.emulator.memberId)).result();
  const byTitle = (title: string) => {
    const type = stack.emulator.state.crmTypes.find((candidate) => candidate.title === title);
    if (!type) throw new Error(`provisioning created no "${title}" smart process`);
    return type.entityTypeId;
  };
  return { claimEntityTypeId: byTitle('Claim'), invoiceTotalEntityTypeId: byTitle('Invoice totals') };
}

async function pollFor<T>(read: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + WAIT_FOR_WRITE_MS;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_FOR_WRITE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The first call recorded at or after `fromIndex` that matches; polls the emulator's in-process call log. */
async function recordedCall(stack: Stack, fromIndex: number, matches: (call: RecordedCall) => boolean, what: string): Promise<RecordedCall> {
  const deadline = Date.now() + WAIT_FOR_WRITE_MS;
  for (let index = fromIndex; ; ) {
    const { calls } = stack.emulator;
    for (; index < calls.length; index += 1) {
      const call = calls[index];
      if (call && matches(call)) return call;
    }
    if (Date.now() > deadline) throw new Error(`no ${what} within ${WAIT_FOR_WRITE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const isItemUpdate = (call: RecordedCall, entityTypeId: number, id: number) =>
  call.method === 'crm.item.update' && Number(call.params.entityTypeId) === entityTypeId && Number(call.params.id) === id;

/**
 * Invoice update → helper total written: the user edits a smart invoice's product rows; the latency ends when the
 * emulator records the crm.item.update of the helper element. Events run one after another.
 */
async function invoiceUpdateLatency(stack: Stack, types: SmartProcessTypes, count: number): Promise<number[]> {
  const { emulator } = stack;
  const invoice = emulator.userAddsItem(ENTITY_TYPE.smartInvoice, { title: 'Latency invoice', currencyId: 'EUR' }, 3);
  const invoiceId = Number(invoice.id);
  emulator.state.setProductRows('SI', invoiceId, [{ productName: 'Seat', price: 100, quantity: 1 }]);
  const helper = await pollFor(
    () => emulator.state.items.all(types.invoiceTotalEntityTypeId).find((item) => Number(item.parentId31) === invoiceId),
    'the helper element of the latency invoice',
  );
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const price = 101 + index;
    emulator.state.setProductRows('SI', invoiceId, [{ productName: 'Seat', price, quantity: 1 }]);
    const mark = emulator.calls.length;
    const started = emulator.state.clock.nowMs();
    emulator.userUpdatesItem(ENTITY_TYPE.smartInvoice, invoiceId, {}, 3);
    const write = await recordedCall(stack, mark, (call) => isItemUpdate(call, types.invoiceTotalEntityTypeId, helper.id), `helper update to ${price}`);
    samples.push(write.at - started);
  }
  return samples;
}

/** Claim added → its number written (the crm.item.update inside the intake's batch). */
async function claimAddLatency(stack: Stack, types: SmartProcessTypes, count: number): Promise<number[]> {
  const { emulator } = stack;
  const samples: number[] = [];
  for (let index = 0; index < count; index += 1) {
    const mark = emulator.calls.length;
    const started = emulator.state.clock.nowMs();
    const claim = emulator.userAddsItem(types.claimEntityTypeId, { title: `Latency claim ${index}`, assignedById: 3 }, 3);
    const write = await recordedCall(stack, mark, (call) => isItemUpdate(call, types.claimEntityTypeId, Number(claim.id)), `number of claim ${claim.id}`);
    samples.push(write.at - started);
  }
  return samples;
}

function latencyRows(label: string, samples: readonly number[]): BenchRow[] {
  const name = `${label} (${samples.length} events)`;
  return [
    { benchmark: name, figure: 'p50', value: `${percentile(samples, 50).toFixed(0)} ms` },
    { benchmark: name, figure: 'p99', value: `${percentile(samples, 99).toFixed(0)} ms` },
    { benchmark: name, figure: 'min', value: `${Math.min(...samples).toFixed(0)} ms` },
  ];
}

/**
 * Event-to-processed latency end to end: emulator (as Bitrix24) → online event delivery → API → signalWithStart →
 * entity workflow (coalescing window) → pass in the worker → REST write recorded by the emulator. The coalescing
 * window (ENTITY_COALESCE_WINDOW_MS, 2 s by default) is part of every figure and dominates it.
 */
export async function measureEventLatency(stack: Stack, options: EventLatencyOptions = {}): Promise<EventLatencyResult> {
  const { events = 20, warmup = 2 } = options;
  const types = await provisionedTypes(stack);
  const windowText = stack.env.ENTITY_COALESCE_WINDOW_MS;
  const coalesceWindowMs = windowText === undefined ? DEFAULT_COALESCE_WINDOW_MS : Number(windowText);
  const invoiceUpdate = (await invoiceUpdateLatency(stack, types, warmup + events)).slice(warmup);
  const claimAdd = (await claimAddLatency(stack, types, warmup + events)).slice(warmup);
  const window = `coalescing window ${coalesceWindowMs} ms included`;
  return {
    invoiceUpdate,
    claimAdd,
    coalesceWindowMs,
    rows: [
      ...latencyRows(`CRM event: invoice rows edited → helper total written, ${window}`, invoiceUpdate),
      ...latencyRows(`CRM event: claim added → number written, ${window}`, claimAdd),
    ],
  };
}
