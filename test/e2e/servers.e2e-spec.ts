import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { collectStream, createClient, unaryCall } from '@ensemble/grpc';
import { ENSEMBLE_SERVICE, GetModelInfoResponse, ModelKind, MODEL_SERVICE } from '@ensemble/proto';
import { bufCurl, freePort, grpcError, ROOT, run, ServerProcess } from './support/server-process';

const fixture = (name: string) => join(ROOT, 'test', 'fixtures', 'models', name);
const manifestOf = (name: string) => JSON.parse(readFileSync(join(fixture(name), 'manifest.json'), 'utf8'));

describe('the three servers as processes', () => {
  let ar: ServerProcess;
  let diffusion: ServerProcess;
  let orchestrator: ServerProcess;

  beforeAll(async () => {
    // MODEL_DIR unset: each model server must load its bundled tiny model.
    [ar, diffusion] = await Promise.all([
      ServerProcess.start('ar-server'),
      ServerProcess.start('diffusion-server'),
    ]);
    orchestrator = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${diffusion.target}`,
    });
    await Promise.all([ar.waitServing(), diffusion.waitServing(), orchestrator.waitServing()]);
  });

  afterAll(async () => {
    await Promise.all([ar, diffusion, orchestrator].filter(Boolean).map((server) => server.stop('SIGKILL')));
  });

  describe('health and reflection', () => {
    it.each([
      ['ar-server', () => ar, MODEL_SERVICE],
      ['diffusion-server', () => diffusion, MODEL_SERVICE],
      ['orchestrator', () => orchestrator, ENSEMBLE_SERVICE],
    ])(
      '%s lists its service and grpc.health.v1.Health through reflection',
      async (_name, server, service) => {
        const listed = await bufCurl(server().target, ['--list-services', '/']);
        expect(listed.stderr).toBe('');
        expect(listed.stdout.split('\n').filter(Boolean).sort()).toEqual(
          [service, 'grpc.health.v1.Health'].sort(),
        );
      },
    );

    it.each([
      ['ar-server', () => ar, MODEL_SERVICE],
      ['orchestrator', () => orchestrator, ENSEMBLE_SERVICE],
    ])(
      '%s answers Health/Check SERVING for the server and its service, via reflection',
      async (_name, server, service) => {
        for (const name of ['', service]) {
          const checked = await bufCurl(server().target, [
            '/grpc.health.v1.Health/Check',
            '-d',
            JSON.stringify({ service: name }),
          ]);
          expect(checked.stderr).toBe('');
          expect(JSON.parse(checked.stdout)).toEqual({ status: 'SERVING' });
        }
      },
    );
  });

  describe('GetModelInfo', () => {
    it.each([
      ['ar-server', () => ar, 'tiny-ar', ModelKind.MODEL_KIND_AUTOREGRESSIVE],
      ['diffusion-server', () => diffusion, 'tiny-diffusion', ModelKind.MODEL_KIND_DIFFUSION],
    ])('%s reports the model of its bundled directory', async (_name, server, dir, kind) => {
      const manifest = manifestOf(dir);
      const client = createClient(MODEL_SERVICE, server().target);
      const info = await unaryCall<GetModelInfoResponse>(client, 'GetModelInfo', {});
      client.close();
      expect(info).toMatchObject({
        name: manifest.name,
        kind,
        contextLength: manifest.context_length,
        vocabSize: manifest.vocab_size,
        executionProvider: 'cpu',
        eosTokenId: manifest.special_ids.eos,
        stopTokenIds: manifest.stop_ids,
      });
      if (kind === ModelKind.MODEL_KIND_DIFFUSION) {
        expect(info.maskTokenId).toBe(manifest.special_ids.mask);
        expect(info.supportsFim).toBe(false);
      } else {
        expect(info.maskTokenId).toBeUndefined();
        expect(info.supportsFim).toBe(true);
        expect(info.fimTokens).toMatchObject({
          prefix: '<|fim_prefix|>',
          middle: '<|fim_middle|>',
          suffix: '<|fim_suffix|>',
        });
      }
    });

    it('works through buf curl with reflection (the grpcurl path)', async () => {
      const result = await bufCurl(ar.target, ['/ensemble.v1.ModelService/GetModelInfo', '-d', '{}']);
      expect(result.stderr).toBe('');
      expect(JSON.parse(result.stdout)).toMatchObject({
        name: manifestOf('tiny-ar').name,
        kind: 'MODEL_KIND_AUTOREGRESSIVE',
      });
    });
  });

  describe('error paths', () => {
    it('rejects invalid arguments with INVALID_ARGUMENT naming the field', async () => {
      const client = createClient(MODEL_SERVICE, ar.target);
      const cases: Array<[unknown, string]> = [
        [{ input: { prefix: 'x' }, sampling: { temperature: -1 } }, 'sampling.temperature'],
        [{ input: { prefix: 'x' }, sampling: { topP: 2 } }, 'sampling.top_p'],
        [{ input: { prefix: '', suffix: '' } }, 'input'],
      ];
      for (const [request, field] of cases) {
        const failure = await unaryCall(client, 'Generate', request).then(() => undefined, grpcError);
        expect(failure?.code).toBe(status.INVALID_ARGUMENT);
        expect(failure?.details.startsWith(`${field} `)).toBe(true);
      }
      const scoreFailure = await unaryCall(client, 'Score', { input: { prefix: 'x' }, candidates: [] }).then(
        () => undefined,
        grpcError,
      );
      expect(scoreFailure).toEqual({
        code: status.INVALID_ARGUMENT,
        details: 'candidates must contain at least one candidate',
      });
      client.close();
    });

    it('rejects invalid arguments on a server stream too', async () => {
      const client = createClient(MODEL_SERVICE, diffusion.target);
      const failure = await collectStream(client, 'GenerateStream', {
        input: { prefix: 'x' },
        diffusion: { steps: 0 },
      }).then(() => undefined, grpcError);
      client.close();
      expect(failure?.code).toBe(status.INVALID_ARGUMENT);
      expect(failure?.details).toMatch(/^diffusion\.steps must be an integer between 1 and/);
    });

    it('validates at the orchestrator with the same wording', async () => {
      const result = await bufCurl(orchestrator.target, [
        '/ensemble.v1.Ensemble/Infill',
        '-d',
        JSON.stringify({ input: { prefix: 'def add(a, b):\n' }, sampling: { top_p: 1.5 } }),
      ]);
      expect(result.code).not.toBe(0);
      // buf curl prints a failed call's status as JSON on stderr.
      expect(JSON.parse(result.stderr)).toEqual({
        code: 'invalid_argument',
        message: 'sampling.top_p must be a number > 0 and <= 1, got 1.5',
      });
    });

    it('answers DEADLINE_EXCEEDED when the deadline has passed', async () => {
      const client = createClient(MODEL_SERVICE, ar.target);
      const failure = await unaryCall(client, 'GetModelInfo', {}, { timeoutMs: -1 }).then(
        () => undefined,
        grpcError,
      );
      client.close();
      expect(failure?.code).toBe(status.DEADLINE_EXCEEDED);
    });
  });

  describe('observability', () => {
    it("echoes the caller's x-request-id and logs the call with it", async () => {
      const client = createClient(MODEL_SERVICE, ar.target);
      const requestId = `e2e-${Date.now()}`;
      let echoed: unknown;
      await unaryCall(
        client,
        'GetModelInfo',
        {},
        {
          metadata: { 'x-request-id': requestId },
          onMetadata: (metadata) => (echoed = metadata.get('x-request-id')[0]),
        },
      );
      client.close();
      expect(echoed).toBe(requestId);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const record = ar.records().find((entry) => entry.requestId === requestId);
      expect(record).toMatchObject({
        msg: 'rpc finished',
        method: '/ensemble.v1.ModelService/GetModelInfo',
        code: 'OK',
      });
    });

    it('exposes Prometheus metrics with gRPC status codes on the metrics port', async () => {
      const response = await fetch(`http://127.0.0.1:${ar.metricsPort}/metrics`);
      expect(response.status).toBe(200);
      const body = await response.text();
      expect(body).toMatch(
        /grpc_server_handled_total\{grpc_service="ensemble\.v1\.ModelService",grpc_method="Generate",grpc_code="INVALID_ARGUMENT",app="ar-server"\} [1-9]/,
      );
      expect(body).toMatch(/ensemble_serving\{app="ar-server"\} 1/);
    });
  });
});

describe('process lifecycle', () => {
  it('shuts down cleanly on SIGTERM with exit code 0', async () => {
    const server = await ServerProcess.start('ar-server');
    await server.waitServing();
    const code = await server.stop('SIGTERM');
    expect(code).toBe(0);
    const messages = server.records().map((record) => record.msg);
    expect(messages).toEqual(expect.arrayContaining(['shutting down', 'stopped']));
  });

  it('stops at start-up with exit code 2 and one line naming a bad variable', async () => {
    const server = await ServerProcess.start('orchestrator', { LOG_LEVEL: 'chatty' });
    expect(await server.exitCode()).toBe(2);
    expect(server.logs.trim()).toBe(
      'orchestrator: invalid configuration: LOG_LEVEL: expected one of debug, info, warn, error (got "chatty")',
    );
  });

  it('exits 1 and says why when MODEL_DIR is not a model directory', async () => {
    const server = await ServerProcess.start('diffusion-server', { MODEL_DIR: '/nonexistent/model' });
    expect(await server.exitCode()).toBe(1);
    expect(server.logs).toContain('model directory /nonexistent/model does not exist');
  });

  it('refuses a model directory of the other kind', async () => {
    const server = await ServerProcess.start('ar-server', { MODEL_DIR: fixture('tiny-diffusion') });
    expect(await server.exitCode()).toBe(1);
    expect(server.logs).toContain('holds a diffusion model, but this server serves autoregressive models');
  });
});

describe('bench CLI', () => {
  it('prints its help', async () => {
    const result = await run('npm', ['run', '--silent', 'bench', '--', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: bench');
    expect(result.stdout).toContain('health');
  });

  it('serve starts the embedded stack, answers through the orchestrator, and stops it on SIGTERM', async () => {
    const [arPort, diffusionPort, orchestratorPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'dist/apps/bench/src/main.js'),
        'serve',
        '--no-metrics',
        '--ar-port',
        `${arPort}`,
        '--diffusion-port',
        `${diffusionPort}`,
        '--orchestrator-port',
        `${orchestratorPort}`,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      for (let waited = 0; !output.includes('bench: ready') && waited < 60_000; waited += 100) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(output).toContain(`bench: ready: orchestrator 127.0.0.1:${orchestratorPort}`);
      const checked = await bufCurl(`127.0.0.1:${orchestratorPort}`, [
        '/grpc.health.v1.Health/Check',
        '-d',
        '{}',
      ]);
      expect(JSON.parse(checked.stdout)).toEqual({ status: 'SERVING' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    const stopped = output
      .split('\n')
      .filter((line) => line.includes('"msg":"stopped"'))
      .map((line) => JSON.parse(line).app)
      .sort();
    expect(stopped).toEqual(['ar-server', 'diffusion-server', 'orchestrator']);
  });

  it('reports an unreachable server as not serving with exit code 1', async () => {
    const result = await run('npm', [
      'run',
      '--silent',
      'bench',
      '--',
      'health',
      '--target',
      '127.0.0.1:1',
      '--timeout',
      '500',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('127.0.0.1:1 UNAVAILABLE');
  });
});
