import { createServer } from 'node:net';
import { Controller, Module } from '@nestjs/common';
import { GrpcMethod } from '@nestjs/microservices';
import { Client, credentials, ServerUnaryCall, status } from '@grpc/grpc-js';
import { health, HEALTH_SERVICE, MODEL_SERVICE } from '@ensemble/proto';
import { createClient, unaryCall } from '../client/grpc-client';
import { RequestContext } from '../context/request-context';
import { GrpcServerHandle, startGrpcServer } from './grpc-server';

/**
 * "Medium" tests of the server kit: a real grpc-js server started through startGrpcServer, a real client, and a
 * test controller whose Generate takes as long as the request says (prefix = milliseconds) and records how it ended.
 */
const outcomes: string[] = [];

@Controller()
class SlowController {
  @GrpcMethod('ModelService', 'Generate')
  async generate(
    request: { input?: { prefix?: string } },
    _metadata: unknown,
    call: ServerUnaryCall<unknown, unknown>,
  ) {
    const context = RequestContext.of(call);
    const prefix = request.input?.prefix ?? '';
    if (prefix === 'throw') throw new Error('secret internal detail');
    const ms = Number(prefix);
    await new Promise<void>((resolve) => {
      const onAbort = () => {
        clearTimeout(timer);
        outcomes.push(`aborted:${status[(context.signal.reason as { code: number }).code]}`);
        resolve();
      };
      const timer = setTimeout(() => {
        context.signal.removeEventListener('abort', onAbort);
        outcomes.push('completed');
        resolve();
      }, ms);
      context.signal.addEventListener('abort', onAbort, { once: true });
    });
    return { model: 'slow', completions: [] };
  }
}

@Module({ controllers: [SlowController] })
class SlowModule {}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function start(shutdownGraceMs = 5000): Promise<{ server: GrpcServerHandle; target: string }> {
  const port = await freePort();
  const server = await startGrpcServer({
    appName: 'kit-test',
    module: SlowModule,
    services: [MODEL_SERVICE],
    config: {
      host: '127.0.0.1',
      grpcPort: port,
      metricsPort: 0,
      logLevel: 'error',
      maxMessageBytes: 1024 * 1024,
      reflection: true,
      shutdownGraceMs,
      tls: undefined,
      healthPort: 0,
      maxConcurrentRequests: 0,
      maxConcurrentPerClient: 0,
      maxConnectionAgeMs: 300_000,
    },
  });
  return { server, target: `127.0.0.1:${port}` };
}

const generate = (target: string, prefix: string, timeoutMs?: number) => {
  const client = createClient(MODEL_SERVICE, target);
  return unaryCall(client, 'Generate', { input: { prefix } }, { timeoutMs }).then(
    () => 'OK',
    (error: { code: number }) => status[error.code],
  );
};

const waitFor = async (predicate: () => boolean) => {
  for (let i = 0; i < 200 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe('startGrpcServer', () => {
  beforeEach(() => outcomes.splice(0));

  it('reports NOT_SERVING until the app marks itself serving, for the server and each service', async () => {
    const { server, target } = await start();
    const client = createClient(HEALTH_SERVICE, target);
    const check = (service: string) =>
      unaryCall<health.HealthCheckResponse>(client, 'Check', { service }).then((response) => response.status);
    try {
      expect(await check('')).toBe(health.HealthCheckResponse_ServingStatus.NOT_SERVING);
      server.kit.health.markServing();
      expect(await check('')).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
      expect(await check(MODEL_SERVICE)).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
    } finally {
      client.close();
      await server.shutdown('test');
    }
  });

  it('bounds status messages, even those of grpc.health.v1 quoting a huge service name', async () => {
    const { server, target } = await start();
    const client = createClient(HEALTH_SERVICE, target);
    try {
      const failure = await unaryCall(client, 'Check', { service: 'x'.repeat(200_000) }).catch(
        (error: { code: number; details: string }) => error,
      );
      expect(failure).toMatchObject({ code: status.NOT_FOUND });
      expect((failure as { details: string }).details.length).toBeLessThan(1100);
      // The connection survived: the next call on it works.
      expect(await unaryCall(client, 'Check', { service: '' })).toBeDefined();
    } finally {
      client.close();
      await server.shutdown('test');
    }
  });

  it('answers a body that is not the protobuf message with INVALID_ARGUMENT, not INTERNAL', async () => {
    const { server, target } = await start();
    const raw = new Client(target, credentials.createInsecure());
    try {
      const failure = await new Promise<{ code: number; details: string }>((resolve) =>
        raw.makeUnaryRequest(
          '/ensemble.v1.ModelService/Generate',
          (bytes: Buffer) => bytes,
          (bytes: Buffer) => bytes,
          Buffer.from([0xff, 0xff, 0xff]),
          (error) => resolve(error as { code: number; details: string }),
        ),
      );
      expect(failure.code).toBe(status.INVALID_ARGUMENT);
      expect(failure.details).toMatch(
        /^request is not a valid protobuf message for \/ensemble\.v1\.ModelService\/Generate/,
      );
    } finally {
      raw.close();
      await server.shutdown('test');
    }
  });

  it('propagates a client cancellation into a unary handler', async () => {
    const { server, target } = await start();
    try {
      const client = createClient(MODEL_SERVICE, target);
      const call = (client as unknown as Record<string, (...args: unknown[]) => { cancel(): void }>).Generate(
        { input: { prefix: '5000' } },
        () => undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));
      call.cancel();
      await waitFor(() => outcomes.length > 0);
      expect(outcomes).toEqual(['aborted:CANCELLED']);
      client.close();
    } finally {
      await server.shutdown('test');
    }
  });

  it('aborts a unary handler when the client deadline passes', async () => {
    const { server, target } = await start();
    try {
      expect(await generate(target, '5000', 300)).toBe('DEADLINE_EXCEEDED');
      await waitFor(() => outcomes.length > 0);
      // The client's own deadline timer may reset the stream a moment before the server's fires; the server then
      // sees a cancellation. Either way the handler must have been stopped.
      expect(outcomes).toHaveLength(1);
      expect(outcomes[0]).toMatch(/^aborted:(DEADLINE_EXCEEDED|CANCELLED)$/);
    } finally {
      await server.shutdown('test');
    }
  });

  it('hides unexpected errors behind INTERNAL', async () => {
    const { server, target } = await start();
    try {
      const client = createClient(MODEL_SERVICE, target);
      const failure = await unaryCall<{ code: number; details: string }>(client, 'Generate', {
        input: { prefix: 'throw' },
      }).catch((error) => error);
      client.close();
      expect(failure.code).toBe(status.INTERNAL);
      expect(failure.details).toBe('internal error');
    } finally {
      await server.shutdown('test');
    }
  });

  it('on shutdown, finishes in-flight calls within the grace period and refuses new ones', async () => {
    const { server, target } = await start(5000);
    const inFlight = generate(target, '400');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stopped = server.shutdown('test');
    expect(server.kit.health.isServing()).toBe(false);
    expect(await inFlight).toBe('OK');
    await stopped;
    expect(outcomes).toEqual(['completed']);
    expect(await generate(target, '1', 1000)).toBe('UNAVAILABLE');
  });

  it('cancels calls still running when the grace period ends', async () => {
    const { server, target } = await start(200);
    const inFlight = generate(target, '10000');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await server.shutdown('test');
    expect(['CANCELLED', 'UNAVAILABLE']).toContain(await inFlight);
    await waitFor(() => outcomes.length > 0);
    expect(outcomes).toEqual(['aborted:CANCELLED']);
  });
});
