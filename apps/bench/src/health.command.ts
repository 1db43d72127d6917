import { status as grpcStatus } from '@grpc/grpc-js';
import { createClient, unaryCall } from '@ensemble/grpc';
import { HEALTH_SERVICE, health } from '@ensemble/proto';

export interface HealthOptions {
  target: string;
  service: string;
  timeoutMs: number;
  /** Keep polling until SERVING for this long; 0 checks once. */
  waitMs: number;
}

const STATUS_NAMES: Record<number, string> = {
  [health.HealthCheckResponse_ServingStatus.UNKNOWN]: 'UNKNOWN',
  [health.HealthCheckResponse_ServingStatus.SERVING]: 'SERVING',
  [health.HealthCheckResponse_ServingStatus.NOT_SERVING]: 'NOT_SERVING',
  [health.HealthCheckResponse_ServingStatus.SERVICE_UNKNOWN]: 'SERVICE_UNKNOWN',
};

/** grpc.health.v1.Health/Check against a server; resolves to the status name (or the error that prevented it). */
export async function checkHealth(options: HealthOptions): Promise<{ serving: boolean; detail: string }> {
  const client = createClient(HEALTH_SERVICE, options.target);
  const until = Date.now() + options.waitMs;
  try {
    for (;;) {
      let detail: string;
      try {
        const response = await unaryCall<health.HealthCheckResponse>(
          client,
          'Check',
          { service: options.service },
          { timeoutMs: options.timeoutMs },
        );
        detail = STATUS_NAMES[response.status] ?? `status ${response.status}`;
        if (response.status === health.HealthCheckResponse_ServingStatus.SERVING)
          return { serving: true, detail };
      } catch (error) {
        const code = (error as { code?: number }).code;
        detail = `${code === undefined ? 'error' : grpcStatus[code]}: ${(error as Error).message}`;
      }
      if (Date.now() >= until) return { serving: false, detail };
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    client.close();
  }
}
