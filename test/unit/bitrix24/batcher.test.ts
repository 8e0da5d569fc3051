import qs from 'qs';
import { describe, expect, it, vi } from 'vitest';
import { createBatcher, type BatcherDeps } from '../../../integrations/bitrix24/batcher.js';
import { Bitrix24Error, Bitrix24LocalError } from '../../../integrations/bitrix24/errors.js';
import { createPortalRateLimiter } from '../../../integrations/bitrix24/rate-limiter.js';
import type { RequestPriority } from '../../../integrations/bitrix24/request-budget.js';
import type { Bitrix24RawResponse } from '../../../integrations/bitrix24/response.js';
import { createManualClock } from './support/manual-clock.js';

interface SentRequest {
  memberId: string;
  method: string;
  params: Record<string, unknown>;
  priority: RequestPriority;
  /** For `batch`: the commands as [method, params] in key order. */
  commands: Array<[string, Record<string, unknown>]>;
  answer(response: Bitrix24RawResponse): void;
  fail(error: unknown): void;
}

function commandsOf(params: Record<string, unknown>): Array<[string, Record<string, unknown>]> {
  const cmd = (params.cmd ?? {}) as Record<string, string>;
  return Object.values(cmd).map((command) => {
    const [method = '', query = ''] = command.split('?', 2) as [string, string?];
    return [method, qs.parse(query) as Record<string, unknown>];
  });
}

/** Every command answers `{method, id}` unless `refuse` names its id. */
function batchAnswer(request: SentRequest, refuse: Record<string, { error: string; error_description: string }> = {}) {
  const result: Record<string, unknown> = {};
  const errors: Record<string, unknown> = {};
  const times: Record<string, unknown> = {};
  Object.keys((request.params.cmd ?? {}) as object).forEach((key, index) => {
    const [method, params] = request.commands[index] as [string, Record<string, unknown>];
    times[key] = { duration: 0.01 };
    const refusal = refuse[String(params.id)];
    if (refusal) errors[key] = refusal;
    else result[key] = { method, id: params.id };
  });
  return { result: { result, result_error: errors, result_total: [], result_next: [], result_time: times } };
}

function setUp(options: { burst?: number; pace?: BatcherDeps['pace']; instant?: boolean; sharers?: number } = {}) {
  const { clock, advance } = createManualClock();
  const limiter = createPortalRateLimiter({ clock, rateLimit: { perSecond: 1, burst: options.burst ?? 10 }, urgentReserve: 0 });
  const sent: SentRequest[] = [];
  const blocked: string[] = [];
  const { sharers } = options;
  const batcher = createBatcher({
    // Processes spending the portal's budget together, as the shared budget reports them.
    budget: sharers === undefined ? limiter.requests : { ...limiter.requests, sharers: () => sharers },
    clock,
    pace: options.pace ?? { perSecond: 2, burst: 2 },
    recordTime: () => undefined,
    noteMethodBlocked: (_memberId, method) => blocked.push(method),
    send: (memberId, method, params, { slot, priority }) =>
      new Promise<Bitrix24RawResponse>((resolve, reject) => {
        const request: SentRequest = {
          memberId,
          method,
          params,
          priority,
          commands: method === 'batch' ? commandsOf(params) : [],
          answer: (response) => {
            slot.release();
            resolve(response);
          },
          fail: (error) => {
            slot.release();
            reject(error);
          },
        };
        sent.push(request);
        if (options.instant === true) request.answer(method === 'batch' ? batchAnswer(request) : { result: { method, id: params.id } });
      }),
  });
  const submit = (method: string, id: number, priority: RequestPriority = 'normal', memberId = 'portal-a') =>
    batcher.submit(memberId, { method, params: { id }, priority });
  return { clock, advance, limiter, batcher, sent, submit, blocked };
}

const timeout = () => new Bitrix24Error({ code: Bitrix24LocalError.TIMEOUT, status: 0, description: 'no answer within 30000 ms', method: 'batch' });

describe('Bitrix24 batcher', () => {
  it('sends a lone call at once as a plain call, not as a batch', async () => {
    const { advance, sent, submit } = setUp();
    const answer = submit('crm.item.get', 7);
    await advance(0);
    expect(sent.map((request) => [request.method, request.params])).toEqual([['crm.item.get', { id: 7 }]]);
    sent[0]?.answer({ result: { id: 7 } });
    await expect(answer).resolves.toEqual({ result: { id: 7 } });
  });

  it('puts calls that wait for a slot into one batch: urgent first, first come first served within a priority', async () => {
    const { advance, limiter, sent, submit } = setUp({ burst: 1 });
    const occupied = await limiter.requests.acquire('portal-a', 'normal');
    const answers = [
      submit('crm.timeline.logmessage.add', 1),
      submit('crm.item.get', 2),
      submit('bizproc.event.send', 3, 'urgent'),
      submit('crm.item.update', 4),
      submit('bizproc.event.send', 5, 'urgent'),
    ];
    await advance(0);
    expect(sent).toHaveLength(0);
    occupied.release();
    await advance(1_001);
    expect(sent).toHaveLength(1);
    const [request] = sent as [SentRequest];
    expect(request.method).toBe('batch');
    expect(request.priority).toBe('urgent');
    expect(request.params.halt).toBe(0);
    expect(request.commands.map(([method, params]) => `${method}#${String(params.id)}`)).toEqual([
      'bizproc.event.send#3',
      'bizproc.event.send#5',
      'crm.timeline.logmessage.add#1',
      'crm.item.get#2',
      'crm.item.update#4',
    ]);
    request.answer(batchAnswer(request));
    expect((await Promise.all(answers)).map((answer) => (answer.result as { id: string }).id)).toEqual(['1', '2', '3', '4', '5']);
    // The normal lane's wait for a slot was abandoned: nothing else went out.
    await advance(5_000);
    expect(sent).toHaveLength(1);
  });

  it('fails only the caller whose command Bitrix24 refused, with the error catalogue classification', async () => {
    const { advance, limiter, sent, submit, blocked } = setUp({ burst: 1 });
    const occupied = await limiter.requests.acquire('portal-a', 'normal');
    const answers = [1, 2, 3, 4].map((id) => submit('crm.item.get', id).catch((error: unknown) => error));
    await advance(0);
    occupied.release();
    await advance(1_001);
    const [request] = sent as [SentRequest];
    request.answer(
      batchAnswer(request, {
        '2': { error: 'NOT_FOUND', error_description: 'Item 2 not found' },
        '3': { error: 'OPERATION_TIME_LIMIT', error_description: 'Method is blocked due to operation time limit.' },
      }),
    );
    const [first, missing, blockedCall, fourth] = await Promise.all(answers);
    expect(first).toEqual({ result: { method: 'crm.item.get', id: '1' }, time: { duration: 0.01 } });
    expect(fourth).toEqual({ result: { method: 'crm.item.get', id: '4' }, time: { duration: 0.01 } });
    expect(missing).toBeInstanceOf(Bitrix24Error);
    expect(missing).toMatchObject({ type: 'Bitrix24.NOT_FOUND', retryable: false, scope: 'command', method: 'crm.item.get' });
    expect(blockedCall).toMatchObject({ type: 'Bitrix24.OPERATION_TIME_LIMIT', retryable: true, scope: 'command' });
    // The blocked method is remembered for later calls (the operating budget).
    expect(blocked).toEqual(['crm.item.get']);
  });

  it('splits more than 50 waiting calls into batches of at most 50', async () => {
    const { advance, limiter, sent, submit } = setUp({ burst: 1, instant: true });
    const occupied = await limiter.requests.acquire('portal-a', 'normal');
    const answers = Array.from({ length: 120 }, (_, index) => submit('crm.item.get', index + 1));
    await advance(0);
    occupied.release();
    await advance(10_000);
    await Promise.all(answers);
    expect(sent.map((request) => request.commands.length)).toEqual([50, 50, 20]);
    expect(sent.flatMap((request) => request.commands.map(([, params]) => Number(params.id)))).toEqual(
      Array.from({ length: 120 }, (_, index) => index + 1),
    );
  });

  it('paces partial batches by credits while a lone call and a full batch go at once', async () => {
    const { advance, sent, submit } = setUp({ pace: { perSecond: 2, burst: 1 } });
    const first = submit('bizproc.event.send', 1, 'urgent');
    await advance(0);
    expect(sent).toHaveLength(1);
    const queued = [submit('bizproc.event.send', 2, 'urgent'), submit('bizproc.event.send', 3, 'urgent')];
    sent[0]?.answer({ result: 1 });
    await advance(0);
    // Two calls waited: they go together, spending the only credit.
    expect(sent.map((request) => request.commands.length)).toEqual([0, 2]);
    const later = [submit('bizproc.event.send', 4, 'urgent'), submit('bizproc.event.send', 5, 'urgent')];
    sent[1]?.answer(batchAnswer(sent[1] as SentRequest));
    await advance(400);
    expect(sent).toHaveLength(2);
    await advance(101);
    expect(sent.map((request) => request.commands.length)).toEqual([0, 2, 2]);
    sent[2]?.answer(batchAnswer(sent[2] as SentRequest));
    // No credit is left, but 50 waiting calls are a full batch: they go without waiting.
    const full = Array.from({ length: 50 }, (_, index) => submit('crm.item.get', 100 + index));
    await advance(0);
    expect(sent.map((request) => request.commands.length)).toEqual([0, 2, 2, 50]);
    sent[3]?.answer(batchAnswer(sent[3] as SentRequest));
    await Promise.all([first, ...queued, ...later, ...full]);
  });

  it('lets normal calls wait up to a second to ride along with an urgent request before spending one of their own', async () => {
    const { advance, sent, submit } = setUp();
    const label = (request: SentRequest | undefined) => request?.commands.map(([method, params]) => `${method}#${String(params.id)}`);
    const first = [submit('bizproc.event.send', 1, 'urgent')];
    await advance(0);
    first.push(submit('crm.timeline.logmessage.add', 2));
    await advance(0);
    expect(sent.map((request) => request.method)).toEqual(['bizproc.event.send', 'crm.timeline.logmessage.add']);
    // Two more timeline lines wait while the normal lane flies; once it is free they linger instead of spending a request.
    const lines = [submit('crm.timeline.logmessage.add', 3), submit('crm.timeline.logmessage.add', 4)];
    sent[0]?.answer({ result: true });
    sent[1]?.answer({ result: true });
    await advance(500);
    expect(sent).toHaveLength(2);
    const send = submit('bizproc.event.send', 5, 'urgent');
    await advance(0);
    expect(label(sent[2])).toEqual(['bizproc.event.send#5', 'crm.timeline.logmessage.add#3', 'crm.timeline.logmessage.add#4']);
    sent[2]?.answer(batchAnswer(sent[2] as SentRequest));
    // Without an urgent request to ride, they go once the oldest has waited a second.
    const late = [submit('crm.timeline.logmessage.add', 6)];
    await advance(0);
    late.push(submit('crm.item.get', 7), submit('crm.item.get', 8));
    await advance(0);
    expect(sent).toHaveLength(4);
    sent[3]?.answer({ result: true });
    await advance(998);
    expect(sent).toHaveLength(4);
    await advance(3);
    expect(label(sent[4])).toEqual(['crm.item.get#7', 'crm.item.get#8']);
    sent[4]?.answer(batchAnswer(sent[4] as SentRequest));
    await Promise.all([...first, ...lines, send, ...late]);
  });

  it('sends calls that never queue alone, however fast they follow each other', async () => {
    const { advance, sent, submit } = setUp({ burst: 100, pace: { perSecond: 2, burst: 1 }, instant: true });
    // Forty calls within a second, each answered before the next arrives (sequential robot runs): none waits.
    const answers: Promise<Bitrix24RawResponse>[] = [];
    for (let id = 1; id <= 40; id += 1) {
      answers.push(submit('bizproc.event.send', id, 'urgent'));
      await advance(25);
    }
    expect(sent.map((request) => request.method)).toEqual(Array.from({ length: 40 }, () => 'bizproc.event.send'));
    await Promise.all(answers);
  });

  it('in a storm, a call that finds the queue empty waits up to a second for its batch to fill instead of going alone', async () => {
    const { advance, sent, submit } = setUp({ burst: 100, pace: { perSecond: 2, burst: 1 } });
    const answers = [submit('bizproc.event.send', 1, 'urgent')];
    await advance(0);
    // Six calls queue while the first one's request is in flight: the portal is in a storm.
    for (let id = 2; id <= 7; id += 1) answers.push(submit('bizproc.event.send', id, 'urgent'));
    await advance(10);
    sent[0]?.answer({ result: true });
    // The lane is free and a credit is too, yet the six wait for others to fill their batch.
    await advance(500);
    answers.push(submit('bizproc.event.send', 8, 'urgent'), submit('bizproc.event.send', 9, 'urgent'));
    await advance(0);
    expect(sent).toHaveLength(1);
    // A second after the first of them queued, the batch goes as it is.
    await advance(491);
    expect(sent.slice(1).map((request) => request.commands.length)).toEqual([8]);
    sent[1]?.answer(batchAnswer(sent[1] as SentRequest));
    await expect(Promise.all(answers)).resolves.toHaveLength(9);
  });

  it('with a second process on the portal, stores only its share of the partial-batch burst', async () => {
    // Two credits and two a second for the portal: one credit and one a second for each of two processes.
    const { advance, sent, submit } = setUp({ burst: 100, pace: { perSecond: 2, burst: 2 }, sharers: 2 });
    const answers = [submit('bizproc.event.send', 1, 'urgent')];
    await advance(0);
    for (let id = 2; id <= 4; id += 1) answers.push(submit('bizproc.event.send', id, 'urgent'));
    sent[0]?.answer({ result: true });
    // Three calls queued behind the first, counted twice for two processes: a storm, so they linger for a second.
    await advance(1001);
    expect(sent.map((request) => request.commands.length)).toEqual([0, 3]);
    answers.push(submit('bizproc.event.send', 5, 'urgent'), submit('bizproc.event.send', 6, 'urgent'));
    sent[1]?.answer(batchAnswer(sent[1] as SentRequest));
    // The storm has passed, and the one credit this process stores went to that batch: the next partial batch waits a
    // second for a credit (a lone process stores two and would send it at once).
    await advance(0);
    expect(sent).toHaveLength(2);
    await advance(999);
    expect(sent).toHaveLength(2);
    await advance(3);
    expect(sent.map((request) => request.commands.length)).toEqual([0, 3, 2]);
    sent[2]?.answer(batchAnswer(sent[2] as SentRequest));
    await expect(Promise.all(answers)).resolves.toHaveLength(6);
  });

  it('after a batch failed without an answer repeats reads and same-effect writes, and fails adds with the retryable error', async () => {
    const { advance, limiter, sent, submit } = setUp({ burst: 1 });
    const occupied = await limiter.requests.acquire('portal-a', 'normal');
    const read = submit('crm.item.get', 1);
    const update = submit('crm.item.update', 2);
    const add = submit('crm.item.add', 3).catch((error: unknown) => error);
    const send = submit('bizproc.event.send', 4, 'urgent');
    await advance(0);
    occupied.release();
    await advance(1_001);
    sent[0]?.fail(timeout());
    await advance(2_000);
    // The add's outcome is unknown: its caller gets the retryable TIMEOUT and looks up before adding again.
    expect(await add).toMatchObject({ type: 'Bitrix24.TIMEOUT', retryable: true });
    expect(sent[1]?.commands.map(([method]) => method)).toEqual(['bizproc.event.send', 'crm.item.get', 'crm.item.update']);
    sent[1]?.answer(batchAnswer(sent[1] as SentRequest));
    await expect(Promise.all([read, update, send])).resolves.toHaveLength(3);
  });

  it('repeats a command at most twice, then fails it with the request error', async () => {
    const { advance, sent, submit, limiter } = setUp({ burst: 1 });
    const occupied = await limiter.requests.acquire('portal-a', 'normal');
    const reads = [submit('crm.item.get', 1).catch((error: unknown) => error), submit('crm.item.get', 2).catch((error: unknown) => error)];
    await advance(0);
    occupied.release();
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await advance(1_001);
      sent[attempt]?.fail(timeout());
    }
    await advance(1_001);
    expect(sent).toHaveLength(3);
    for (const outcome of await Promise.all(reads)) expect(outcome).toMatchObject({ type: 'Bitrix24.TIMEOUT' });
  });

  it('fails every command without repeating when Bitrix24 refused the request as a whole', async () => {
    const { advance, sent, submit, limiter } = setUp({ burst: 1 });
    const occupied = await limiter.requests.acquire('portal-a', 'normal');
    const reads = [submit('crm.item.get', 1).catch((error: unknown) => error), submit('crm.item.get', 2).catch((error: unknown) => error)];
    await advance(0);
    occupied.release();
    await advance(1_001);
    sent[0]?.fail(new Bitrix24Error({ code: 'QUERY_LIMIT_EXCEEDED', status: 503, description: 'Too many requests', method: 'batch' }));
    for (const outcome of await Promise.all(reads)) expect(outcome).toMatchObject({ type: 'Bitrix24.QUERY_LIMIT_EXCEEDED', retryable: true });
    await advance(5_000);
    expect(sent).toHaveLength(1);
  });

  it('lets a cancelled caller go while its call waits, and sends the others without it', async () => {
    const { advance, sent, batcher, limiter } = setUp({ burst: 1, instant: true });
    const occupied = await limiter.requests.acquire('portal-a', 'normal');
    const controller = new AbortController();
    const cancelled = batcher.submit('portal-a', { method: 'crm.item.get', params: { id: 1 }, priority: 'normal', signal: controller.signal });
    const kept = [2, 3].map((id) => batcher.submit('portal-a', { method: 'crm.item.get', params: { id }, priority: 'normal' }));
    await advance(0);
    controller.abort(new Error('activity cancelled'));
    await expect(cancelled).rejects.toThrow('activity cancelled');
    occupied.release();
    await advance(1_001);
    await Promise.all(kept);
    expect(sent.flatMap((request) => request.commands.map(([, params]) => params.id))).toEqual(['2', '3']);
  });

  it("leaves no listener on the caller's signal once a call is answered", async () => {
    const { advance, batcher } = setUp({ burst: 100, instant: true });
    const { signal } = new AbortController();
    const added = vi.spyOn(signal, 'addEventListener');
    const removed = vi.spyOn(signal, 'removeEventListener');
    for (let id = 1; id <= 12; id += 1) {
      const answer = batcher.submit('portal-a', { method: 'crm.item.get', params: { id }, priority: 'normal', signal });
      await advance(0);
      await answer;
    }
    expect(added).toHaveBeenCalledTimes(12);
    expect(removed.mock.calls).toEqual(added.mock.calls.map(([type, listener]) => [type, listener]));
  });

  it('never mixes portals in one request', async () => {
    const { advance, sent, submit } = setUp({ instant: true });
    await Promise.all([submit('crm.item.get', 1, 'normal', 'portal-a'), submit('crm.item.get', 2, 'normal', 'portal-b')]);
    await advance(0);
    expect(sent.map((request) => [request.memberId, request.method])).toEqual([
      ['portal-a', 'crm.item.get'],
      ['portal-b', 'crm.item.get'],
    ]);
  });
});
