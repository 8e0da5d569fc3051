import { bringUp, type Stack } from './bring-up.js';

/** Stop order: the app first, then what it talks to, then the dev server that holds its runs. */
export function stopOrder(stack: Pick<Stack, 'plan'>): string[][] {
  return [['api', 'worker'], ['emulator', ...stack.plan.simulators.map((simulator) => simulator.name)], ['temporal']];
}

function untilAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/**
 * Brings the stack up and keeps it running until `stack.signal` aborts (Ctrl-C, or a child died). Whatever happens,
 * including a step failing half-way, every child that was started is stopped before this resolves; the answer is
 * the reason start-up or the run failed, or undefined after a requested stop.
 */
export async function runStack(stack: Stack, failure: AbortController): Promise<{ failure?: unknown }> {
  try {
    await bringUp(stack);
    await untilAborted(stack.signal);
  } catch (error) {
    if (!stack.signal.aborted) failure.abort(error);
  } finally {
    await stack.supervisor.stopInOrder(stopOrder(stack));
  }
  return failure.signal.aborted ? { failure: failure.signal.reason as unknown } : {};
}
