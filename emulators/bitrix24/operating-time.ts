const BASKET_SECONDS = 60;
const WINDOW_BASKETS = 10;

interface Basket {
  startSeconds: number;
  seconds: number;
}

export interface OperatingStatus {
  /** Seconds spent by the method over the last 10 minutes. */
  operating: number;
  /** Unix seconds when the oldest basket leaves the window. */
  resetAt: number;
}

/**
 * Per-method execution-time budget, summed in ten one-minute baskets like Bitrix24 does.
 * The emulator does no real work, so each call is charged a simulated duration.
 */
export class OperatingTimeBudget {
  private readonly baskets = new Map<string, Basket[]>();
  private readonly durations = new Map<string, number>();

  constructor(
    private limitSeconds: number,
    private readonly nowSeconds: () => number,
    private readonly defaultDurationSeconds = 0.01,
  ) {}

  setLimit(limitSeconds: number): void {
    this.limitSeconds = limitSeconds;
  }

  setMethodDuration(method: string, seconds: number): void {
    this.durations.set(method.toLowerCase(), seconds);
  }

  durationOf(method: string): number {
    return this.durations.get(method.toLowerCase()) ?? this.defaultDurationSeconds;
  }

  isBlocked(method: string): boolean {
    return this.status(method).operating > this.limitSeconds;
  }

  charge(method: string): OperatingStatus {
    const key = method.toLowerCase();
    const now = this.nowSeconds();
    const basketStart = Math.floor(now / BASKET_SECONDS) * BASKET_SECONDS;
    const baskets = this.liveBaskets(key, now);
    const last = baskets[baskets.length - 1];
    if (last && last.startSeconds === basketStart) last.seconds += this.durationOf(key);
    else baskets.push({ startSeconds: basketStart, seconds: this.durationOf(key) });
    this.baskets.set(key, baskets);
    return this.status(key);
  }

  status(method: string): OperatingStatus {
    const now = this.nowSeconds();
    const baskets = this.liveBaskets(method.toLowerCase(), now);
    const operating = baskets.reduce((sum, basket) => sum + basket.seconds, 0);
    const oldest = baskets[0]?.startSeconds ?? Math.floor(now);
    return { operating: Math.round(operating * 1e6) / 1e6, resetAt: Math.floor(oldest + BASKET_SECONDS * WINDOW_BASKETS) };
  }

  reset(): void {
    this.baskets.clear();
  }

  private liveBaskets(key: string, now: number): Basket[] {
    const windowStart = now - BASKET_SECONDS * WINDOW_BASKETS;
    return (this.baskets.get(key) ?? []).filter((basket) => basket.startSeconds + BASKET_SECONDS > windowStart);
  }
}
