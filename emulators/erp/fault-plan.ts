/** How the simulated ERP misbehaves on the next calls. */
export const InjectedFailureKind = {
  /** `soap:Server.Unavailable` fault, HTTP 500 (maintenance). */
  Unavailable: 'unavailable',
  /** HTTP 500 with a plain-text body and no SOAP envelope (a crashed gateway). */
  Server: 'server',
  /** `soap:Server` fault with HTTP 500, as SOAP 1.1 prescribes. */
  Http500Fault: 'http500-fault',
  /** `soap:Server` fault with HTTP 200, as some ERPs answer. */
  Http200Fault: 'http200-fault',
} as const;
export type InjectedFailureKind = (typeof InjectedFailureKind)[keyof typeof InjectedFailureKind];

export interface OutageWindow {
  readonly from: Date;
  readonly to: Date;
}

export class FaultPlan {
  #outage = false;
  readonly #windows: OutageWindow[] = [];
  readonly #rejections = new Map<string, string>();
  readonly #queuedFailures: InjectedFailureKind[] = [];

  setOutage(on: boolean): void {
    this.#outage = on;
  }

  addOutageWindow(window: OutageWindow): void {
    if (window.to.getTime() <= window.from.getTime()) throw new Error('An outage window must end after it starts');
    this.#windows.push(window);
  }

  isOutage(now: Date): boolean {
    const time = now.getTime();
    return this.#outage || this.#windows.some((window) => window.from.getTime() <= time && time < window.to.getTime());
  }

  rejectExternalIds(externalIds: Iterable<string>, reason: string): void {
    for (const externalId of externalIds) this.#rejections.set(externalId, reason);
  }

  rejectionFor(externalId: string): string | undefined {
    return this.#rejections.get(externalId);
  }

  failNext(count: number, kind: InjectedFailureKind): void {
    if (!Number.isInteger(count) || count < 0) throw new Error('failNext count must be a non-negative integer');
    for (let index = 0; index < count; index += 1) this.#queuedFailures.push(kind);
  }

  takeInjectedFailure(): InjectedFailureKind | undefined {
    return this.#queuedFailures.shift();
  }
}
