import { EventEmitter } from 'node:events';
import type { EmulatorClock } from './clock.js';
import { restErrors } from './errors.js';
import type { EventTokenSigner } from './event-tokens.js';
import type { EmulatorState } from './state.js';
import { LATE_REASON, ROBOT_STATUS, type RobotInvocation } from './types.js';

const DEFAULT_LOG_MESSAGE = 'Received response from the application';
const SWEEP_INTERVAL_MS = 250;

/**
 * The business-process side of robots: which invocations still wait for bizproc.event.send,
 * when their timeout_duration runs out, and what arrives too late.
 */
export class RobotRuntime {
  private readonly changes = new EventEmitter();
  // One coarse sweeper instead of a timer per robot: timeouts may be days long (beyond setTimeout's range).
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly state: EmulatorState,
    private readonly clock: EmulatorClock,
    private readonly signer: EventTokenSigner,
  ) {
    this.changes.setMaxListeners(0);
    this.sweeper = setInterval(() => this.sweepTimeouts(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  register(invocation: RobotInvocation): void {
    this.state.robotInvocations.set(invocation.eventToken, invocation);
    if (!invocation.useSubscription) {
      // Without a subscription the activity closes as soon as the call is queued.
      this.complete(invocation, {});
    }
  }

  /** Business processes still running: each waiting robot's process, until its robot completes or times out. */
  runningInstances(): RobotInvocation[] {
    this.sweepTimeouts();
    return [...this.state.robotInvocations.values()].filter((invocation) => invocation.status === ROBOT_STATUS.waiting);
  }

  get(eventToken: string): RobotInvocation | undefined {
    this.sweepTimeouts();
    return this.state.robotInvocations.get(eventToken);
  }

  /** bizproc.event.send: a valid token whose robot stopped waiting still answers true but changes nothing. */
  send(eventToken: string, returnValues: Record<string, unknown>, logMessage: string | undefined): void {
    const invocation = this.requireInvocation(eventToken);
    if (invocation.status !== ROBOT_STATUS.waiting) {
      const reason = !invocation.useSubscription
        ? LATE_REASON.notSubscribed
        : invocation.status === ROBOT_STATUS.timedOut
          ? LATE_REASON.timedOut
          : LATE_REASON.alreadyCompleted;
      invocation.lateSends.push({ at: this.clock.nowMs(), reason, returnValues, ...(logMessage === undefined ? {} : { logMessage }) });
      this.changes.emit('change', invocation.eventToken);
      return;
    }
    invocation.logMessages.push(logMessage ?? DEFAULT_LOG_MESSAGE);
    this.complete(invocation, returnValues);
  }

  log(eventToken: string, message: string): void {
    const invocation = this.requireInvocation(eventToken);
    invocation.logMessages.push(message);
    this.changes.emit('change', invocation.eventToken);
  }

  waitForCompletion(eventToken: string, timeoutMs: number): Promise<RobotInvocation> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const invocation = this.get(eventToken);
        if (!invocation || invocation.status === ROBOT_STATUS.waiting) return false;
        cleanup();
        resolve(invocation);
        return true;
      };
      const onChange = () => void check();
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`robot invocation did not complete within ${timeoutMs} ms`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.changes.off('change', onChange);
      };
      this.changes.on('change', onChange);
      check();
    });
  }

  /** Marks waiting invocations whose timeout_duration has passed (on the emulator clock) as timed out. */
  sweepTimeouts(): void {
    const now = this.clock.nowMs();
    for (const invocation of this.state.robotInvocations.values()) {
      const deadline = invocation.firedAt + invocation.timeoutDuration * 1000;
      if (invocation.status === ROBOT_STATUS.waiting && invocation.timeoutDuration > 0 && now >= deadline) {
        invocation.status = ROBOT_STATUS.timedOut;
        invocation.completedAt = deadline;
        invocation.returnValues = { IsTimeout: 1 };
        this.changes.emit('change', invocation.eventToken);
      }
    }
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private requireInvocation(eventToken: string): RobotInvocation {
    if (!this.signer.verify(eventToken)) throw restErrors.eventTokenDenied();
    this.sweepTimeouts();
    const invocation = this.state.robotInvocations.get(eventToken);
    if (!invocation) throw restErrors.eventTokenDenied();
    return invocation;
  }

  private complete(invocation: RobotInvocation, returnValues: Record<string, unknown>): void {
    invocation.status = ROBOT_STATUS.completed;
    invocation.completedAt = this.clock.nowMs();
    invocation.returnValues = returnValues;
    this.changes.emit('change', invocation.eventToken);
  }
}
