import * as grpc from '@grpc/grpc-js';

export interface RawReply {
  /** gRPC status code; OK for a successful unary call or a stream that ended normally. */
  code: grpc.status;
  details: string;
  /** Response messages received (raw bytes, not decoded). */
  messages: number;
}

const identity = (buffer: Buffer) => buffer;

/**
 * A grpc-js client that sends raw bytes as the request message (no serializer checks, no schema), for unary and
 * server-streaming methods alike; every outcome, error or not, becomes a RawReply.
 */
export class RawClient {
  private readonly client: grpc.Client;

  constructor(
    target: string,
    credentials: grpc.ChannelCredentials = grpc.credentials.createInsecure(),
    options: grpc.ChannelOptions = {},
  ) {
    // A fuzzer receives whatever the server sends; our own limit must not be the one that trips.
    this.client = new grpc.Client(target, credentials, { 'grpc.max_receive_message_length': -1, ...options });
  }

  unary(path: string, body: Buffer, timeoutMs: number, metadata = new grpc.Metadata()): Promise<RawReply> {
    return new Promise((resolve) => {
      this.client.makeUnaryRequest(
        path,
        identity,
        identity,
        body,
        metadata,
        { deadline: Date.now() + timeoutMs },
        (error, response) =>
          resolve(
            error
              ? { code: error.code, details: error.details, messages: 0 }
              : { code: grpc.status.OK, details: '', messages: response ? 1 : 0 },
          ),
      );
    });
  }

  serverStream(
    path: string,
    body: Buffer,
    timeoutMs: number,
    metadata = new grpc.Metadata(),
  ): Promise<RawReply> {
    return new Promise((resolve) => {
      let messages = 0;
      const stream = this.client.makeServerStreamRequest(path, identity, identity, body, metadata, {
        deadline: Date.now() + timeoutMs,
      });
      stream.on('data', () => messages++);
      stream.on('error', (error: grpc.ServiceError) =>
        resolve({ code: error.code, details: error.details, messages }),
      );
      stream.on('status', (status: grpc.StatusObject) => {
        if (status.code === grpc.status.OK) resolve({ code: status.code, details: status.details, messages });
      });
    });
  }

  close(): void {
    this.client.close();
  }
}
