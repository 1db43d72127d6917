import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { bearerMetadata, clientCredentials, createClient, unaryCall } from '@ensemble/grpc';
import {
  ENSEMBLE_SERVICE,
  GetModelInfoResponse,
  health,
  HEALTH_SERVICE,
  InfillResponse,
  MODEL_SERVICE,
} from '@ensemble/proto';
import { bufCurl, freePort, grpcError, run, ServerProcess } from '../e2e/support/server-process';
import { makeTestPki, TestPki } from './support/certificates';

const request = {
  input: { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' },
  sampling: { temperature: 0, maxNewTokens: 8 },
  diffusion: { steps: 4, lengthPolicy: 1, middleLength: 6 },
};
const TOKEN = randomBytes(24).toString('hex');
const OTHER_TOKEN = randomBytes(24).toString('base64url');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Health/Check with the given credentials: SERVING, or the status code name of the failure. */
async function healthWith(target: string, credentials: grpc.ChannelCredentials): Promise<string> {
  const client = createClient(HEALTH_SERVICE, target, {}, credentials);
  try {
    const response = await unaryCall<health.HealthCheckResponse>(client, 'Check', {}, { timeoutMs: 5000 });
    return response.status === health.HealthCheckResponse_ServingStatus.SERVING ? 'SERVING' : 'NOT_SERVING';
  } catch (error) {
    return grpc.status[(error as grpc.ServiceError).code];
  } finally {
    client.close();
  }
}

describe('transport security: TLS, mutual TLS and bearer tokens across the three servers', () => {
  let pki: TestPki;
  let ar: ServerProcess;
  let diffusion: ServerProcess;
  let orchestrator: ServerProcess;
  let healthPort: number;
  const started: ServerProcess[] = [];
  const start = async (...args: Parameters<typeof ServerProcess.start>) => {
    const server = await ServerProcess.start(...args);
    started.push(server);
    return server;
  };

  beforeAll(async () => {
    pki = await makeTestPki();
    const tokensFile = join(pki.dir, 'tokens');
    writeFileSync(tokensFile, `# bench and IDE clients\n${TOKEN}\n\n${OTHER_TOKEN}\n`);
    // Model servers: mutual TLS, only clients with a certificate from the test CA (the orchestrator) get in.
    const modelServerTls = {
      TLS_CERT_FILE: pki.server.cert,
      TLS_KEY_FILE: pki.server.key,
      TLS_CLIENT_CA_FILE: pki.ca,
      ALLOW_PLAINTEXT: '',
    };
    const asOrchestrator = clientCredentials({
      caFile: pki.ca,
      certFile: pki.client.cert,
      keyFile: pki.client.key,
    });
    healthPort = await freePort();
    [ar, diffusion] = await Promise.all([
      start(
        'ar-server',
        { ...modelServerTls, HEALTH_PORT: String(healthPort) },
        { credentials: asOrchestrator },
      ),
      start('diffusion-server', modelServerTls, { credentials: asOrchestrator }),
    ]);
    await Promise.all([ar.waitServing(), diffusion.waitServing()]);
    // The orchestrator: TLS towards clients, with bearer tokens; mutual TLS towards the model servers.
    orchestrator = await start(
      'orchestrator',
      {
        TLS_CERT_FILE: pki.server.cert,
        TLS_KEY_FILE: pki.server.key,
        ALLOW_PLAINTEXT: '',
        AUTH_TOKENS_FILE: tokensFile,
        ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${diffusion.target}`,
        BACKEND_TLS_CA_FILE: pki.ca,
        BACKEND_TLS_CERT_FILE: pki.client.cert,
        BACKEND_TLS_KEY_FILE: pki.client.key,
        BACKEND_ALLOW_PLAINTEXT: '',
        HEALTH_CHECK_INTERVAL_MS: '300',
      },
      { credentials: clientCredentials({ caFile: pki.ca }) },
    );
    await orchestrator.waitServing();
    for (let i = 0; i < 300 && !orchestrator.logs.includes('"backend ready","backend":"diffusion"'); i++) {
      await sleep(100);
    }
  }, 600_000);

  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop('SIGKILL')));
    pki?.remove();
  });

  it('model servers accept only clients with a certificate from the trusted CA (mutual TLS)', async () => {
    const caOnly = { caFile: pki.ca };
    expect(await healthWith(ar.target, ar.credentials)).toBe('SERVING');
    expect(await healthWith(ar.target, clientCredentials({ plaintext: true }))).toBe('UNAVAILABLE');
    expect(await healthWith(ar.target, clientCredentials(caOnly))).toBe('UNAVAILABLE');
    expect(
      await healthWith(
        ar.target,
        clientCredentials({
          ...caOnly,
          certFile: pki.untrustedClient.cert,
          keyFile: pki.untrustedClient.key,
        }),
      ),
    ).toBe('UNAVAILABLE');
    // A client that trusts another CA does not accept the server either.
    expect(
      await healthWith(
        diffusion.target,
        clientCredentials({ caFile: pki.untrustedCa, certFile: pki.client.cert, keyFile: pki.client.key }),
      ),
    ).toBe('UNAVAILABLE');
    const client = ar.client(MODEL_SERVICE);
    const info = await unaryCall<GetModelInfoResponse>(client, 'GetModelInfo', {});
    client.close();
    expect(info.name).toBe('tiny-ar');
    expect(ar.records()).toContainEqual(
      expect.objectContaining({ msg: 'listening', transport: 'mutual TLS (client certificates required)' }),
    );
  });

  it('HEALTH_PORT serves grpc.health.v1 in plaintext for probes, and nothing else', async () => {
    const target = `127.0.0.1:${healthPort}`;
    expect(await healthWith(target, clientCredentials({ plaintext: true }))).toBe('SERVING');
    const client = createClient(MODEL_SERVICE, target);
    const failure = await unaryCall(client, 'GetModelInfo', {}).then(() => undefined, grpcError);
    client.close();
    expect(failure?.code).toBe(grpc.status.UNIMPLEMENTED);
  });

  it('the orchestrator serves over TLS with a bearer token and reaches both backends over mutual TLS', async () => {
    const client = createClient(
      ENSEMBLE_SERVICE,
      orchestrator.target,
      {},
      clientCredentials({ caFile: pki.ca, token: TOKEN }),
    );
    try {
      const response = await unaryCall<InfillResponse>(client, 'Infill', request);
      expect(response.missingBackends).toEqual([]);
      expect(response.candidates.map((candidate) => candidate.backend).sort()).toEqual(['ar', 'diffusion']);
    } finally {
      client.close();
    }
    // The second token works as well, sent as plain call metadata.
    const second = orchestrator.client(ENSEMBLE_SERVICE);
    const response = await unaryCall<InfillResponse>(second, 'Infill', request, {
      metadata: bearerMetadata(OTHER_TOKEN),
    });
    second.close();
    expect(response.candidates).toHaveLength(2);
  });

  it('refuses calls without a valid token with UNAUTHENTICATED, and never logs a token', async () => {
    const client = orchestrator.client(ENSEMBLE_SERVICE);
    const attempt = (metadata: Record<string, string>) =>
      unaryCall(client, 'Infill', request, { metadata }).then(() => undefined, grpcError);
    try {
      expect(await attempt({})).toEqual({
        code: grpc.status.UNAUTHENTICATED,
        details: 'missing credentials: send metadata "authorization: Bearer <token>"',
      });
      const wrong = randomBytes(24).toString('hex');
      expect(await attempt(bearerMetadata(wrong))).toEqual({
        code: grpc.status.UNAUTHENTICATED,
        details: 'invalid bearer token',
      });
      expect(await attempt({ authorization: `Basic ${TOKEN}` })).toMatchObject({
        code: grpc.status.UNAUTHENTICATED,
      });
      await sleep(200);
      const logs = started.map((server) => server.logs).join('\n');
      for (const secret of [TOKEN, OTHER_TOKEN, wrong]) expect(logs).not.toContain(secret);
      expect(orchestrator.records()).toContainEqual(
        expect.objectContaining({
          msg: 'rpc finished',
          method: '/ensemble.v1.Ensemble/Infill',
          code: 'UNAUTHENTICATED',
        }),
      );
    } finally {
      client.close();
    }
  });

  it('keeps health and reflection reachable without a token, for probes and grpcurl', async () => {
    expect(await healthWith(orchestrator.target, clientCredentials({ caFile: pki.ca }))).toBe('SERVING');
    const listed = await run(join(__dirname, '..', '..', 'node_modules', '.bin', 'buf'), [
      'curl',
      '--protocol',
      'grpc',
      '--cacert',
      pki.ca,
      '--reflect',
      '--list-services',
      `https://${orchestrator.target}`,
    ]);
    expect(listed.stderr).toBe('');
    expect(listed.stdout.split('\n').filter(Boolean).sort()).toEqual([ENSEMBLE_SERVICE, HEALTH_SERVICE]);
  });

  it('an orchestrator that does not trust its backends marks them down and says why; REFLECTION_ENABLED=false', async () => {
    const untrusting = await start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target}`,
      BACKEND_TLS_CA_FILE: pki.untrustedCa,
      BACKEND_TLS_CERT_FILE: pki.client.cert,
      BACKEND_TLS_KEY_FILE: pki.client.key,
      HEALTH_CHECK_INTERVAL_MS: '300',
      REFLECTION_ENABLED: 'false',
    });
    await untrusting.waitServing();
    for (let i = 0; i < 100 && !untrusting.logs.includes('"backend not serving"'); i++) await sleep(100);
    const client = untrusting.client(ENSEMBLE_SERVICE);
    const failure = await unaryCall(client, 'Infill', request).then(() => undefined, grpcError);
    client.close();
    expect(failure?.code).toBe(grpc.status.UNAVAILABLE);
    expect(failure?.details).toMatch(/^no backend is serving: ar: UNAVAILABLE /);
    // Plaintext was allowed for its own clients: said loudly at start-up.
    expect(untrusting.records()).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        context: 'security',
        msg: expect.stringMatching(/WITHOUT TLS/),
      }),
    );
    const listed = await bufCurl(untrusting.target, ['--list-services', '/']);
    expect(listed.code).not.toBe(0);
    expect(await healthWith(untrusting.target, clientCredentials({ plaintext: true }))).toBe('SERVING');
  });

  it('refuses to start without TLS unless plaintext is allowed explicitly: exit 2, one line', async () => {
    const server = await start('ar-server', { ALLOW_PLAINTEXT: '', BACKEND_ALLOW_PLAINTEXT: '' });
    expect(await server.exitCode()).toBe(2);
    expect(server.logs.trim()).toBe(
      'ar-server: invalid configuration: TLS_CERT_FILE: is required (with TLS_KEY_FILE) unless ALLOW_PLAINTEXT=true',
    );
    const mismatched = await start('orchestrator', {
      TLS_CERT_FILE: pki.server.cert,
      TLS_KEY_FILE: pki.client.key,
    });
    expect(await mismatched.exitCode()).toBe(2);
    expect(mismatched.logs.trim()).toMatch(
      /^orchestrator: invalid configuration: TLS_KEY_FILE: does not hold the private key of the certificate in TLS_CERT_FILE/,
    );
  });
});
