import * as grpc from '@grpc/grpc-js';
import { service as healthServiceDefinition } from 'grpc-health-check';
import { freePort as freeLoopbackPort, HealthService } from '@ensemble/grpc';
import { FinishReason, loadPackageDefinition, MODEL_SERVICE, ModelKind, ScoreMode } from '@ensemble/proto';

const modelService = () =>
  (
    grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as {
      ensemble: { v1: { ModelService: grpc.ServiceClientConstructor } };
    }
  ).ensemble.v1.ModelService.service;

/** The handlers both fakes answer alike: a diffusion model's info, and no streaming. */
const commonHandlers = (name: string) => ({
  GetModelInfo: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
    callback(null, {
      name,
      kind: ModelKind.MODEL_KIND_DIFFUSION,
      scoreModes: [ScoreMode.SCORE_MODE_MASKED_ONE_SHOT],
      serverVersion: 'fake',
    }),
  GenerateStream: (call: grpc.ServerWritableStream<unknown, unknown>) =>
    call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'not faked' }),
});

/** Binds plaintext on a free loopback port. */
async function listen(server: grpc.Server): Promise<number> {
  const port = await freeLoopbackPort();
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) =>
      error ? reject(error) : resolve(),
    ),
  );
  return port;
}

/** A call the fake received and how it ended: cancelled by the caller (deadline, cancel) or still open. */
export interface ReceivedCall {
  method: string;
  ended: Promise<'cancelled'>;
}

/**
 * A test double of a remote ModelService peer that accepts Generate and Score and never answers them (a hung
 * backend), while health says SERVING and GetModelInfo answers, so the orchestrator believes in it.
 */
export class HangingModelServer {
  private constructor(
    private readonly server: grpc.Server,
    readonly port: number,
    readonly calls: ReceivedCall[],
  ) {}

  static async start(name = 'hanging'): Promise<HangingModelServer> {
    const server = new grpc.Server();
    const health = new HealthService([MODEL_SERVICE]);
    health.markServing();
    health.addToServer(server);
    const calls: ReceivedCall[] = [];
    const hang = (method: string) => (call: grpc.ServerUnaryCall<unknown, unknown>) => {
      calls.push({
        method,
        ended: new Promise((resolve) => call.once('cancelled', () => resolve('cancelled'))),
      });
    };
    server.addService(modelService(), {
      ...commonHandlers(name),
      Generate: hang('Generate'),
      Score: hang('Score'),
    });
    return new HangingModelServer(server, await listen(server), calls);
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  received(method: string): ReceivedCall[] {
    return this.calls.filter((call) => call.method === method);
  }

  close(): void {
    this.server.forceShutdown();
  }
}

/**
 * A test double of a model server on CPU: Generate answers after `generateMs`, and while it works the health check
 * gets no answer at all — as when onnxruntime-node holds the server's event loop for a long forward. Score
 * fails at once (UNIMPLEMENTED). Health says SERVING otherwise.
 */
export class BusyModelServer {
  private busy = 0;

  private constructor(
    private readonly server: grpc.Server,
    readonly generateMs: number,
  ) {}

  port = 0;

  static async start(generateMs: number, name = 'busy'): Promise<BusyModelServer> {
    const server = new grpc.Server();
    const fake = new BusyModelServer(server, generateMs);
    server.addService(healthServiceDefinition as grpc.ServiceDefinition, {
      check: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        if (fake.busy === 0) callback(null, { status: 'SERVING' });
      },
      watch: (call: grpc.ServerWritableStream<unknown, unknown>) =>
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'not faked' }),
    });
    server.addService(modelService(), {
      ...commonHandlers(name),
      Generate: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        fake.busy++;
        setTimeout(() => {
          fake.busy--;
          const completion = {
            text: 'a + b',
            finishReason: FinishReason.FINISH_REASON_LENGTH,
            completionTokens: 3,
          };
          callback(null, { model: name, completions: [completion] });
        }, generateMs);
      },
      Score: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback({ code: grpc.status.UNIMPLEMENTED, details: 'not faked' }),
    });
    fake.port = await listen(server);
    return fake;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): void {
    this.server.forceShutdown();
  }
}
