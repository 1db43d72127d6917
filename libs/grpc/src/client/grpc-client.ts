import * as grpc from '@grpc/grpc-js';
import { loadPackageDefinition } from '@ensemble/proto';

export interface CallOptions {
  /** Per-call deadline in milliseconds from now. */
  timeoutMs?: number;
  metadata?: Record<string, string>;
  /** Receives the server's response headers (e.g. the echoed x-request-id). */
  onMetadata?: (metadata: grpc.Metadata) => void;
}

let services: grpc.GrpcObject | undefined;

/**
 * A grpc-js client for one of the served services (`ensemble.v1.ModelService`, `ensemble.v1.Ensemble`,
 * `grpc.health.v1.Health`), built from the same embedded descriptors the servers use. `credentials` come from
 * `clientCredentials()`; the default, plaintext, only reaches servers started with ALLOW_PLAINTEXT=true.
 */
export function createClient(
  service: string,
  target: string,
  options: grpc.ChannelOptions = {},
  credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
): grpc.Client {
  services ??= grpc.loadPackageDefinition(loadPackageDefinition());
  const ctor = service
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown>)?.[part], services);
  if (typeof ctor !== 'function') throw new Error(`unknown service ${service}`);
  const Client = ctor as grpc.ServiceClientConstructor;
  return new Client(target, credentials, options);
}

/** Calls a unary method and resolves with its response, or rejects with the grpc ServiceError. */
export function unaryCall<Res>(
  client: grpc.Client,
  method: string,
  request: unknown,
  options: CallOptions = {},
): Promise<Res> {
  const fn = (client as unknown as Record<string, unknown>)[method];
  if (typeof fn !== 'function') return Promise.reject(new Error(`method ${method} not found on client`));
  return new Promise((resolve, reject) => {
    const call = fn.call(
      client,
      request,
      toMetadata(options.metadata),
      callOptions(options),
      (error: grpc.ServiceError | null, response: Res) => (error ? reject(error) : resolve(response)),
    ) as grpc.ClientUnaryCall;
    if (options.onMetadata) call.on('metadata', options.onMetadata);
  });
}

/**
 * Calls a server-streaming method and collects its messages (for tools and tests; not for unbounded streams).
 * `onMessage` sees each message as it arrives; returning true cancels the call, and the messages so far are then the
 * result.
 */
export function collectStream<Res>(
  client: grpc.Client,
  method: string,
  request: unknown,
  options: CallOptions & { onMessage?: (message: Res, received: number) => boolean | void } = {},
): Promise<Res[]> {
  const fn = (client as unknown as Record<string, unknown>)[method];
  if (typeof fn !== 'function') return Promise.reject(new Error(`method ${method} not found on client`));
  return new Promise((resolve, reject) => {
    const messages: Res[] = [];
    let stopped = false;
    const stream = fn.call(
      client,
      request,
      toMetadata(options.metadata),
      callOptions(options),
    ) as grpc.ClientReadableStream<Res>;
    stream.on('data', (message: Res) => {
      if (stopped) return;
      messages.push(message);
      if (options.onMessage?.(message, messages.length)) {
        stopped = true;
        stream.cancel();
      }
    });
    stream.on('error', (error: grpc.ServiceError) =>
      stopped && error.code === grpc.status.CANCELLED ? resolve(messages) : reject(error),
    );
    stream.on('end', () => resolve(messages));
  });
}

function toMetadata(values: Record<string, string> = {}): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(values)) metadata.set(key, value);
  return metadata;
}

function callOptions(options: CallOptions): grpc.CallOptions {
  return options.timeoutMs === undefined ? {} : { deadline: Date.now() + options.timeoutMs };
}
