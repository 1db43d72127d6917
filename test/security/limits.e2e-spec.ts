import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { bearerMetadata, createClient, unaryCall } from '@ensemble/grpc';
import { ENSEMBLE_SERVICE, InfillResponse, MODEL_SERVICE } from '@ensemble/proto';
import { grpcError, ServerProcess } from '../e2e/support/server-process';
import { HangingModelServer } from '../reliability/support/fake-model-server';

const input = { prefix: 'def add(a, b):\n    ', suffix: '\n' };
const request = { input, sampling: { temperature: 0, maxNewTokens: 8 }, diffusion: { steps: 4 } };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, predicate: () => boolean, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !predicate(); await sleep(50)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** An Infill that stays open (its backend hangs) until cancelled; `done` settles with the status. */
function openInfill(client: grpc.Client, metadata: Record<string, string> = {}) {
  const md = new grpc.Metadata();
  Object.entries(metadata).forEach(([key, value]) => md.set(key, value));
  let call!: grpc.ClientUnaryCall;
  const done = new Promise<{ code: number; details: string }>((resolve) => {
    call = (client as unknown as Record<string, (...args: unknown[]) => grpc.ClientUnaryCall>).Infill(
      request,
      md,
      {},
      (error: grpc.ServiceError | null) => resolve(error ? grpcError(error) : { code: 0, details: '' }),
    );
  });
  return { cancel: () => call.cancel(), done };
}

describe('abuse limits', () => {
  const started: ServerProcess[] = [];
  const start = async (...args: Parameters<typeof ServerProcess.start>) => {
    const server = await ServerProcess.start(...args);
    started.push(server);
    return server;
  };
  let hanging: HangingModelServer;
  let dir: string;
  const TOKEN_A = randomBytes(20).toString('hex');
  const TOKEN_B = randomBytes(20).toString('hex');

  beforeAll(async () => {
    hanging = await HangingModelServer.start();
    dir = mkdtempSync(join(tmpdir(), 'ensemble-limits-'));
    writeFileSync(join(dir, 'tokens'), `${TOKEN_A}\n${TOKEN_B}\n`);
  });
  afterAll(async () => {
    hanging?.close();
    await Promise.all(started.map((server) => server.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('at the orchestrator', () => {
    let orchestrator: ServerProcess;
    let client: grpc.Client;

    beforeAll(async () => {
      orchestrator = await start('orchestrator', {
        ENSEMBLE_BACKENDS: `slow=${hanging.target}`,
        AUTH_TOKENS_FILE: join(dir, 'tokens'),
        MAX_CONCURRENT_PER_CLIENT: '2',
        MAX_INPUT_CHARS: '1000',
        MAX_NEW_TOKENS: '32',
        MAX_SAMPLES: '2',
        MAX_STEPS: '8',
        GRPC_MAX_MESSAGE_BYTES: String(64 * 1024),
        BACKEND_GENERATE_TIMEOUT_MS: '600000',
        HEALTH_CHECK_INTERVAL_MS: '300',
      });
      await orchestrator.waitServing();
      await until('the backend ready', () => orchestrator.logs.includes('"backend ready","backend":"slow"'));
      client = orchestrator.client(ENSEMBLE_SERVICE);
    }, 600_000);
    afterAll(() => client?.close());

    it('admits at most MAX_CONCURRENT_PER_CLIENT calls per token, RESOURCE_EXHAUSTED naming the limit', async () => {
      const before = hanging.received('Generate').length;
      const first = [
        openInfill(client, bearerMetadata(TOKEN_A)),
        openInfill(client, bearerMetadata(TOKEN_A)),
      ];
      await until('two calls at the backend', () => hanging.received('Generate').length === before + 2);

      const third = await unaryCall(client, 'Infill', request, { metadata: bearerMetadata(TOKEN_A) }).then(
        () => undefined,
        grpcError,
      );
      expect(third).toEqual({
        code: grpc.status.RESOURCE_EXHAUSTED,
        details:
          'too many concurrent calls from this client: 2 in flight, the limit is 2 (MAX_CONCURRENT_PER_CLIENT); ' +
          'retry when one has finished',
      });
      // Another client (token) has its own allowance.
      const other = openInfill(client, bearerMetadata(TOKEN_B));
      await until(
        'the other client at the backend',
        () => hanging.received('Generate').length === before + 3,
      );
      other.cancel();

      // A finished call frees its slot.
      first[0].cancel();
      expect((await first[0].done).code).toBe(grpc.status.CANCELLED);
      const again = openInfill(client, bearerMetadata(TOKEN_A));
      await until('the slot reused', () => hanging.received('Generate').length === before + 4);
      again.cancel();
      first[1].cancel();
      await Promise.all([again.done, first[1].done, other.done]);
    });

    it('checks sizes and ceilings from configuration before any backend work', async () => {
      const token = bearerMetadata(TOKEN_B);
      const attempt = (body: unknown) =>
        unaryCall(client, 'Infill', body, { metadata: token }).then(() => undefined, grpcError);
      expect(await attempt({ ...request, input: { prefix: 'x'.repeat(1001) } })).toEqual({
        code: grpc.status.INVALID_ARGUMENT,
        details: 'input.prefix must be at most 1000 characters, got 1001',
      });
      expect(await attempt({ ...request, sampling: { n: 3 } })).toEqual({
        code: grpc.status.INVALID_ARGUMENT,
        details: "sampling.n must be an integer between 1 and 2, got 3 (this server's limit is 2)",
      });
      expect((await attempt({ ...request, sampling: { maxNewTokens: 33 } }))?.details).toBe(
        "sampling.max_new_tokens must be an integer between 1 and 32, got 33 (this server's limit is 32)",
      );
      expect((await attempt({ ...request, diffusion: { steps: 9 } }))?.details).toMatch(
        /^diffusion\.steps must be an integer between 1 and 8, got 9/,
      );
      const oversized = await attempt({ ...request, backends: ['b'.repeat(70 * 1024)] });
      expect(oversized?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(oversized?.details).toMatch(/larger than max/);
    });
  });

  it('without authentication, the client is its address: a second connection shares the allowance', async () => {
    const orchestrator = await start('orchestrator', {
      ENSEMBLE_BACKENDS: `slow=${hanging.target}`,
      MAX_CONCURRENT_PER_CLIENT: '1',
      BACKEND_GENERATE_TIMEOUT_MS: '600000',
      HEALTH_CHECK_INTERVAL_MS: '300',
    });
    await orchestrator.waitServing();
    await until('the backend ready', () => orchestrator.logs.includes('"backend ready","backend":"slow"'));
    const first = orchestrator.client(ENSEMBLE_SERVICE);
    // A separate channel (own connection, own port), same host.
    const second = createClient(ENSEMBLE_SERVICE, orchestrator.target, {
      'grpc.use_local_subchannel_pool': 1,
    });
    try {
      const before = hanging.received('Generate').length;
      const open = openInfill(first);
      await until('the call at the backend', () => hanging.received('Generate').length === before + 1);
      const refused = await unaryCall(second, 'Infill', request).then(() => undefined, grpcError);
      expect(refused?.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(refused?.details).toContain('the limit is 1 (MAX_CONCURRENT_PER_CLIENT)');
      open.cancel();
      await open.done;
    } finally {
      first.close();
      second.close();
    }
  });

  describe('at the model servers, and what the logs hold', () => {
    let ar: ServerProcess;
    let diffusion: ServerProcess;
    let orchestrator: ServerProcess;

    beforeAll(async () => {
      [ar, diffusion] = await Promise.all([
        start('ar-server', { MAX_INPUT_TOKENS: '50' }),
        // At debug level, to show that a prompt in the logs would be found.
        start('diffusion-server', { LOG_LEVEL: 'debug' }),
      ]);
      await Promise.all([ar.waitServing(), diffusion.waitServing()]);
      orchestrator = await start('orchestrator', {
        ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${diffusion.target}`,
        HEALTH_CHECK_INTERVAL_MS: '300',
      });
      await orchestrator.waitServing();
      await until('both backends ready', () =>
        orchestrator.logs.includes('"backend ready","backend":"diffusion"'),
      );
    }, 600_000);

    it('refuses a prefix over MAX_INPUT_TOKENS, naming the field and both numbers', async () => {
      const client = ar.client(MODEL_SERVICE);
      const failure = await unaryCall(client, 'Generate', { input: { prefix: 'x = 1\n'.repeat(60) } }).then(
        () => undefined,
        grpcError,
      );
      const ok = await unaryCall(client, 'Generate', { ...request, input: { prefix: 'x = 1\n' } });
      client.close();
      expect(failure?.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(failure?.details).toMatch(/^input\.prefix must be at most 50 tokens, got \d+$/);
      expect(ok).toBeDefined();
    });

    it('never writes a prompt to the logs at the default level (only at debug)', async () => {
      const canary = `zebra_canary_${randomBytes(6).toString('hex')}`;
      const client = orchestrator.client(ENSEMBLE_SERVICE);
      const response = await unaryCall<InfillResponse>(client, 'Infill', {
        ...request,
        input: { prefix: `def ${canary}(a, b):\n    `, suffix: `\n# ${canary}\n` },
        sampling: { temperature: 0, maxNewTokens: 8, stop: [`${canary}-stop`] },
      });
      // Also in a rejected request, whose error quotes it back to the client.
      const rejected = await unaryCall(client, 'Infill', { ...request, backends: [canary] }).then(
        () => undefined,
        grpcError,
      );
      client.close();
      expect(response.candidates.length).toBeGreaterThan(0);
      expect(rejected?.details).toContain(canary);
      await sleep(300);
      expect(orchestrator.logs).not.toContain(canary);
      expect(ar.logs).not.toContain(canary);
      // The diffusion server logs at debug: the same prompt is there, so the check above can fail.
      expect(diffusion.logs).toContain(canary);
    });
  });
});
