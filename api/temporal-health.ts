import type { Connection } from '@temporalio/client';
import { READINESS_TIMEOUT_MS } from './routes/health.js';

/** grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING */
const SERVING = 1;

/** grpc.health.v1 check against the frontend, bounded by the readiness timeout so a dead server answers false quickly. */
export function createTemporalHealthCheck(connection: Connection): () => Promise<boolean> {
  return async () => {
    const response = await connection.withDeadline(Date.now() + READINESS_TIMEOUT_MS, () => connection.healthService.check({}));
    return response.status === SERVING;
  };
}
