import type { RateLimit } from './types.js';

/**
 * Bitrix24's request counter per portal: every request adds one, the level drains by `perSecond`,
 * and a request that would lift it above `burst` is refused (and not counted).
 */
export class LeakyBucket {
  private level = 0;
  private lastDrainSeconds: number;

  constructor(
    private limit: RateLimit | false,
    private readonly nowSeconds: () => number,
  ) {
    this.lastDrainSeconds = nowSeconds();
  }

  setLimit(limit: RateLimit | false): void {
    this.drain();
    this.limit = limit;
  }

  /** Returns false when the request must be refused with QUERY_LIMIT_EXCEEDED. */
  tryAcquire(): boolean {
    if (this.limit === false) return true;
    this.drain();
    if (this.level + 1 > this.limit.burst) return false;
    this.level += 1;
    return true;
  }

  currentLevel(): number {
    this.drain();
    return this.level;
  }

  reset(): void {
    this.level = 0;
    this.lastDrainSeconds = this.nowSeconds();
  }

  private drain(): void {
    const now = this.nowSeconds();
    const elapsed = Math.max(0, now - this.lastDrainSeconds);
    this.lastDrainSeconds = now;
    if (this.limit === false) return;
    this.level = Math.max(0, this.level - elapsed * this.limit.perSecond);
  }
}
