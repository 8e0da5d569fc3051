import { RestError } from './errors.js';
import type { InjectedFailure } from './types.js';

/** Scripted failures: the next `times` calls to a method answer with the given error instead of running. */
export class FailureInjector {
  private pending: InjectedFailure[] = [];

  add(failure: InjectedFailure): void {
    this.pending.push({ ...failure });
  }

  take(method: string): RestError | undefined {
    const name = method.toLowerCase();
    const failure = this.pending.find((entry) => entry.times > 0 && (entry.method === '*' || entry.method.toLowerCase() === name));
    if (!failure) return undefined;
    failure.times -= 1;
    this.pending = this.pending.filter((entry) => entry.times > 0);
    return new RestError(failure.status, failure.error, failure.description ?? failure.error);
  }

  clear(): void {
    this.pending = [];
  }
}
