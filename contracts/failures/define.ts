import { ApplicationFailure, ApplicationFailureCategory, type Duration } from '@temporalio/common';

/**
 * The one way this service defines failures: each integration (and the app's own checks) declares its failure types
 * once with `defineFailures`, which yields the stable type strings workflows compare, the retry policy of each, and the
 * factory activities throw. Sandbox-safe, so workflows import the catalogues at runtime.
 */

/** How Temporal treats one failure type. */
export interface FailurePolicy {
  /** False: the same call would fail the same way, so the activity fails at once (`nonRetryable`). */
  readonly retryable: boolean;
  /** Expected and self-healing (maintenance, rate limits): category BENIGN keeps it out of error logs and failure metrics. */
  readonly benign?: boolean;
  /** A fixed pause before the next attempt, where the other system documents how long its block lasts. */
  readonly retryDelayMs?: number;
}

export interface FailureOptions {
  /** Plain JSON for the workflow history: never credentials, tokens or document content. */
  readonly details?: readonly unknown[];
  /** Overrides the policy's delay, e.g. with the Retry-After an answer carried. */
  readonly nextRetryDelay?: Duration | undefined;
  /**
   * Override the policy for this one failure, where the same type is routine or final only sometimes (announced
   * maintenance; a refusal behind the same answer as a transient error).
   */
  readonly benign?: boolean;
  readonly retryable?: boolean;
  readonly cause?: Error;
}

type TypeOf<P extends string, N> = N extends string ? `${P}.${N}` : never;

export interface FailureCatalogue<P extends string, S extends Readonly<Record<string, FailurePolicy>>> {
  readonly prefix: P;
  /** The stable `ApplicationFailure.type` of each failure (what histories hold and workflows compare), by name. */
  readonly type: { readonly [N in keyof S & string]: TypeOf<P, N> };
  readonly policies: S;
  readonly types: readonly TypeOf<P, keyof S>[];
  readonly retryableTypes: readonly TypeOf<P, keyof S>[];
  /** For `RetryPolicy.nonRetryableErrorTypes` (the failures are marked non-retryable already; this also covers retries). */
  readonly nonRetryableTypes: readonly TypeOf<P, keyof S>[];
  /** The policy of one of this catalogue's types; undefined for any other string. */
  policyOf(type: string | null | undefined): FailurePolicy | undefined;
  create(name: keyof S & string, message: string, options?: FailureOptions): ApplicationFailure;
}

/** An `ApplicationFailure` of any type with the given policy: the factory every catalogue's `create` uses. */
export function applicationFailure(type: string, policy: FailurePolicy, message: string, options: FailureOptions = {}): ApplicationFailure {
  const benign = options.benign ?? policy.benign ?? false;
  const retryable = options.retryable ?? policy.retryable;
  const nextRetryDelay = options.nextRetryDelay ?? policy.retryDelayMs;
  return ApplicationFailure.create({
    type,
    message,
    nonRetryable: !retryable,
    ...(options.details === undefined ? {} : { details: [...options.details] }),
    ...(retryable && nextRetryDelay !== undefined ? { nextRetryDelay } : {}),
    ...(benign ? { category: ApplicationFailureCategory.BENIGN } : {}),
    ...(options.cause === undefined ? {} : { cause: options.cause }),
  });
}

/** Declares the failures of one integration: `defineFailures('Erp', { Timeout: { retryable: true, benign: true } })`. */
export function defineFailures<const P extends string, const S extends Readonly<Record<string, FailurePolicy>>>(
  prefix: P,
  policies: S,
): FailureCatalogue<P, S> {
  const names = Object.keys(policies) as (keyof S & string)[];
  const typeOf = (name: keyof S & string) => `${prefix}.${name}` as TypeOf<P, keyof S>;
  const byType = new Map<string, FailurePolicy>(names.map((name) => [typeOf(name), policies[name] as FailurePolicy]));
  const types = names.map(typeOf);
  return {
    prefix,
    type: Object.fromEntries(names.map((name) => [name, typeOf(name)])) as FailureCatalogue<P, S>['type'],
    policies,
    types,
    retryableTypes: types.filter((type) => byType.get(type)?.retryable === true),
    nonRetryableTypes: types.filter((type) => byType.get(type)?.retryable === false),
    policyOf: (type) => (typeof type === 'string' ? byType.get(type) : undefined),
    create: (name, message, options) => applicationFailure(typeOf(name), policies[name] as FailurePolicy, message, options),
  };
}
