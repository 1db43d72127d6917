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

const CONSECUTIVE_TIMEOUTS_DOWN = 3;

/** One configured ModelService backend (possibly many replicas behind one target) and its last known state. */
export class ModelBackend {
  private readonly client: grpc.Client;
  private readonly healthClient: grpc.Client;
  info: GetModelInfoResponse | undefined;
  /** From the last grpc.health.v1 check; undefined before the first one. */
  serving: boolean | undefined;
  lastError: string | undefined;
  /** Health checks in a row that timed out. */
  private timeouts = 0;
  /** Generate and Score calls of this orchestrator that the backend is working on now. */
  private inFlight = 0;

  /** `credentials`: from clientCredentials(), TLS unless BACKEND_ALLOW_PLAINTEXT=true. */
  constructor(
    readonly target: BackendTarget,
    credentials: grpc.ChannelCredentials,
  ) {
    const options: grpc.ChannelOptions = {
      'grpc.service_config': SERVICE_CONFIG,
      'grpc.enable_retries': 1,
      // Re-resolve DNS soon after a replica goes away (rollouts), not the default 30 s.
      'grpc.dns_min_time_between_resolutions_ms': 2000,
      // A restarted backend is used again within seconds: grpc-js would otherwise back off reconnecting for up
      // to 120 s after a long outage, while the health watch already reports it SERVING.
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 5000,
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
    };
    this.client = createClient(MODEL_SERVICE, target.target, options, credentials);
    this.healthClient = createClient(HEALTH_SERVICE, target.target, options, credentials);
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

  /**
   * grpc.health.v1 Check. NOT_SERVING or a failed connection mark the backend down at once; a check that only
   * timed out does so after CONSECUTIVE_TIMEOUTS_DOWN in a row, because a model server busy with a long forward
   * answers late without being down (one slow probe would otherwise take a working backend out of every request).
   * While it works on a call of ours, a timed-out check does not count at all: onnxruntime-node runs a forward on
   * the server's event loop, so on CPU a 0.5B model answers nothing for seconds per forward (docs/perf.md), and the
   * call in flight has its own deadline to report a backend that really hangs.
   */
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
      this.timeouts = 0;
    } catch (error) {
      const timedOut = (error as grpc.ServiceError).code === grpc.status.DEADLINE_EXCEEDED;
      if (timedOut && this.inFlight > 0) return this.serving === true;
      this.timeouts = timedOut ? this.timeouts + 1 : 0;
      if (!timedOut || this.timeouts >= CONSECUTIVE_TIMEOUTS_DOWN) {
        this.serving = false;
        this.lastError = (error as Error).message;
      }
    }
    return this.serving === true;
  }

  close(): void {
    this.client.close();
    this.healthClient.close();
  }

  private async call<T>(method: string, request: unknown, options: BackendCallOptions): Promise<T> {
    this.inFlight++;
    try {
      return await this.unary<T>(this.client, method, request, options);
    } finally {
      this.inFlight--;
    }
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
