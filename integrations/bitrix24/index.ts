export { batch, buildBatchCommand, BATCH_CHUNK_SIZE } from './batch.js';
export type { BatchCommand, BatchCommandError, BatchOptions, BatchOutcome } from './batch.js';
export { batchCommandProblem } from './batch-command.js';
export { createBatcher } from './batcher.js';
export type { Batcher, BatcherCounters } from './batcher.js';
export { createBitrix24Client } from './client.js';
export type { Bitrix24CallOptions, Bitrix24Client, Bitrix24ClientDeps, Bitrix24CommandOutcome, Bitrix24Params } from './client.js';
export { systemClock } from './clock.js';
export type { Clock } from './clock.js';
export {
  BITRIX24_ERROR_CATALOGUE,
  BITRIX24_FAILURE_PREFIX,
  Bitrix24Error,
  Bitrix24LocalError,
  classifyBitrix24Error,
  isBitrix24Error,
  toApplicationFailure,
} from './errors.js';
export type { Bitrix24Classification, Bitrix24ErrorInput, Bitrix24KnownErrorCode } from './errors.js';
export { listAll, LIST_PAGE_SIZE } from './list.js';
export type { ListAllOptions } from './list.js';
export { oauthTokenUrl, refreshOAuthTokens } from './oauth.js';
export type { OAuthTokens, RefreshOAuthTokensInput } from './oauth.js';
export {
  createPortalRateLimiter,
  DEFAULT_OPERATING_BUDGET,
  DEFAULT_RATE_LIMIT,
  ENTERPRISE_RATE_LIMIT,
} from './rate-limiter.js';
export type { RequestBudget, RequestPriority, RequestSlot } from './request-budget.js';
export type {
  OperatingBudgetSettings,
  PortalRateLimiter,
  RateLimiterCounters,
  RateLimitSettings,
  ReleaseSlot,
} from './rate-limiter.js';
export type { Bitrix24RawResponse, Bitrix24Time } from './response.js';
export { createSharedRequestBudget } from './shared-budget.js';
export type { SharedBudgetCounters, SharedBudgetHolder, SharedRequestBudget } from './shared-budget.js';
export { createTransport } from './transport.js';
export type { FetchLike, Transport } from './transport.js';
