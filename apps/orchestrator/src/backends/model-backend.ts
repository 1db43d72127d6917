import * as grpc from '@grpc/grpc-js';
import { createClient } from '@ensemble/grpc';
import {
  GenerateRequest,
  GenerateResponse,
  GetModelInfoResponse,
  health,
  HEALTH_SERVICE,
  MODEL_SERVICE,
  ScoreRequest,
  ScoreResponse,
} from '@ensemble/proto';
import type { BackendTarget } from '../backends';

export interface BackendCallOptions {
  /** Absolute deadline (epoch ms). */
  deadline: number;
  signal: AbortSignal;
  requestId?: string;
}

/**
 * gRPC service config for a model server target: client-side round-robin over every address the name resolves to
 * (Kubernetes headless services), and retries of UNAVAILABLE for the calls that are safe to repeat. A model server
 * answers UNAVAILABLE only before it starts work (model loading, draining), so Generate is retried too.
 */
const SERVICE_CONFIG = JSON.stringify({
  loadBalancingConfig: [{ round_robin: {} }],
  methodConfig: [
    {
      name: [{ service: MODEL_SERVICE }],
      retryPolicy: {
        maxAttempts: 3,
        initialBackoff: '0.1s',
        maxBackoff: '1s',
        backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
});

/** One configured ModelService backend (possibly many replicas behind one target) and its last known state. */
export class ModelBackend {
  private readonly client: grpc.Client;
  private readonly healthClient: grpc.Client;
  info: GetModelInfoResponse | undefined;
  /** From the last grpc.health.v1 check; undefined before the first one. */
  serving: boolean | undefined;
  lastError: string | undefined;

  constructor(readonly target: BackendTarget) {
    const options: grpc.ChannelOptions = {
      'grpc.service_config': SERVICE_CONFIG,
      'grpc.enable_retries': 1,
      // Re-resolve DNS soon after a replica goes away (rollouts), not the default 30 s.
      'grpc.dns_min_time_between_resolutions_ms': 2000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    };
    this.client = createClient(MODEL_SERVICE, target.target, options);
    this.healthClient = createClient(HEALTH_SERVICE, target.target, options);
  }

  get name(): string {
    return this.target.name;
  }

  generate(request: GenerateRequest, options: BackendCallOptions): Promise<GenerateResponse> {
    return this.call('Generate', request, options);
  }

  score(request: ScoreRequest, options: BackendCallOptions): Promise<ScoreResponse> {
    return this.call('Score', request, options);
  }

  async refreshInfo(timeoutMs: number): Promise<GetModelInfoResponse> {
    const info = await this.call<GetModelInfoResponse>(
      'GetModelInfo',
      {},
      {
        deadline: Date.now() + timeoutMs,
        signal: new AbortController().signal,
      },
    );
    this.info = info;
    return info;
  }

  async checkHealth(timeoutMs: number): Promise<boolean> {
    try {
      const response = await this.unary<health.HealthCheckResponse>(
        this.healthClient,
        'Check',
        { service: MODEL_SERVICE },
        {
          deadline: Date.now() + timeoutMs,
          signal: new AbortController().signal,
        },
      );
      this.serving = response.status === health.HealthCheckResponse_ServingStatus.SERVING;
      this.lastError = this.serving ? undefined : 'not serving (health check)';
    } catch (error) {
      this.serving = false;
      this.lastError = (error as Error).message;
    }
    return this.serving;
  }

  close(): void {
    this.client.close();
    this.healthClient.close();
  }

  private call<T>(method: string, request: unknown, options: BackendCallOptions): Promise<T> {
    return this.unary(this.client, method, request, options);
  }

  /** A unary call bound to a deadline and an AbortSignal (cancellation reaches the backend as a gRPC cancel). */
  private unary<T>(
    client: grpc.Client,
    method: string,
    request: unknown,
    options: BackendCallOptions,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (options.signal.aborted) return reject(options.signal.reason);
      const metadata = new grpc.Metadata();
      if (options.requestId) metadata.set('x-request-id', options.requestId);
      const fn = (client as unknown as Record<string, (...args: unknown[]) => grpc.ClientUnaryCall>)[method];
      const call = fn.call(
        client,
        request,
        metadata,
        { deadline: options.deadline },
        (error: grpc.ServiceError | null, response: T) => {
          options.signal.removeEventListener('abort', onAbort);
          if (error) reject(error);
          else resolve(response);
        },
      );
      const onAbort = () => call.cancel();
      options.signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}
