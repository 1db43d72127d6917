import * as grpc from '@grpc/grpc-js';
import { service as healthServiceDefinition } from 'grpc-health-check';
import { freePort as freeLoopbackPort, HealthService } from '@ensemble/grpc';
import { FinishReason, loadPackageDefinition, MODEL_SERVICE, ModelKind, ScoreMode } from '@ensemble/proto';

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
    const definition = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as {
      ensemble: { v1: { ModelService: grpc.ServiceClientConstructor } };
    };
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
    server.addService(definition.ensemble.v1.ModelService.service, {
      GetModelInfo: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, {
          name,
          kind: ModelKind.MODEL_KIND_DIFFUSION,
          scoreModes: [ScoreMode.SCORE_MODE_MASKED_ONE_SHOT],
          serverVersion: 'fake',
        }),
      Generate: hang('Generate'),
      Score: hang('Score'),
      GenerateStream: (call: grpc.ServerWritableStream<unknown, unknown>) =>
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'not faked' }),
    });
    const port = await freeLoopbackPort();
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    return new HangingModelServer(server, port, calls);
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
    readonly port: number,
    readonly generateMs: number,
  ) {}

  static async start(generateMs: number, name = 'busy'): Promise<BusyModelServer> {
    const server = new grpc.Server();
    const port = await freeLoopbackPort();
    const fake = new BusyModelServer(server, port, generateMs);
    const definition = grpc.loadPackageDefinition(loadPackageDefinition()) as unknown as {
      ensemble: { v1: { ModelService: grpc.ServiceClientConstructor } };
    };
    server.addService(healthServiceDefinition as grpc.ServiceDefinition, {
      check: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
        if (fake.busy === 0) callback(null, { status: 'SERVING' });
      },
      watch: (call: grpc.ServerWritableStream<unknown, unknown>) =>
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'not faked' }),
    });
    server.addService(definition.ensemble.v1.ModelService.service, {
      GetModelInfo: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, {
          name,
          kind: ModelKind.MODEL_KIND_DIFFUSION,
          scoreModes: [ScoreMode.SCORE_MODE_MASKED_ONE_SHOT],
          serverVersion: 'fake',
        }),
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
      GenerateStream: (call: grpc.ServerWritableStream<unknown, unknown>) =>
        call.emit('error', { code: grpc.status.UNIMPLEMENTED, details: 'not faked' }),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error) =>
        error ? reject(error) : resolve(),
      ),
    );
    return fake;
  }

  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  close(): void {
    this.server.forceShutdown();
  }
}
