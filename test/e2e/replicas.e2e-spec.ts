import { createClient, unaryCall } from '@ensemble/grpc';
import { ENSEMBLE_SERVICE, HEALTH_SERVICE, InfillResponse, health } from '@ensemble/proto';
import { ServerProcess, freePort } from './support/server-process';

// Two replicas of the autoregressive server on two loopback addresses, reached by the orchestrator through one
// round-robin target (ipv4:a:port,b:port — what a dns:/// name of a headless Service resolves to in Kubernetes).

const request = {
  input: { prefix: 'def add(a, b):\n', suffix: '\n' },
  sampling: { temperature: 0, maxNewTokens: 8 },
  diffusion: { steps: 4, lengthPolicy: 1, middleLength: 4 },
};

/** Sum of ensemble_forward_passes_total of the server listening on host (replicas bind their own address). */
async function forwardPasses(host: string, server: ServerProcess): Promise<number> {
  const body = await (await fetch(`http://${host}:${server.metricsPort}/metrics`)).text();
  return body
    .split('\n')
    .filter((line) => line.startsWith('ensemble_forward_passes_total{'))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

async function waitServing(target: string, timeoutMs = 120_000): Promise<void> {
  const client = createClient(HEALTH_SERVICE, target);
  const deadline = Date.now() + timeoutMs;
  try {
    while (Date.now() < deadline) {
      const status = await unaryCall<health.HealthCheckResponse>(
        client,
        'Check',
        { service: '' },
        { timeoutMs: 1000 },
      )
        .then((r) => r.status)
        .catch(() => undefined);
      if (status === health.HealthCheckResponse_ServingStatus.SERVING) return;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`${target} did not become SERVING`);
  } finally {
    client.close();
  }
}

describe('two model-server replicas behind one orchestrator target', () => {
  let replicaA: ServerProcess;
  let replicaB: ServerProcess;
  let diffusion: ServerProcess;
  let orchestrator: ServerProcess;

  beforeAll(async () => {
    const port = await freePort();
    replicaA = await ServerProcess.start('ar-server', { GRPC_HOST: '127.0.0.1' }, { port });
    replicaB = await ServerProcess.start('ar-server', { GRPC_HOST: '127.0.0.2' }, { port });
    diffusion = await ServerProcess.start('diffusion-server');
    await Promise.all([
      waitServing(`127.0.0.1:${port}`),
      waitServing(`127.0.0.2:${port}`),
      diffusion.waitServing(120_000),
    ]);
    orchestrator = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=ipv4:127.0.0.1:${port},127.0.0.2:${port},diffusion=${diffusion.target}`,
    });
    await orchestrator.waitServing(120_000);
  });

  afterAll(async () => {
    await Promise.all([replicaA, replicaB, diffusion, orchestrator].map((server) => server?.stop()));
  });

  it('spreads orchestrator traffic over both replicas', async () => {
    const client = orchestrator.client(ENSEMBLE_SERVICE);
    const [beforeA, beforeB] = await Promise.all([
      forwardPasses('127.0.0.1', replicaA),
      forwardPasses('127.0.0.2', replicaB),
    ]);
    for (let i = 0; i < 8; i++) {
      const response = await unaryCall<InfillResponse>(client, 'Infill', request);
      expect(response.missingBackends).toEqual([]);
    }
    client.close();
    const [afterA, afterB] = await Promise.all([
      forwardPasses('127.0.0.1', replicaA),
      forwardPasses('127.0.0.2', replicaB),
    ]);
    console.log(
      `forward passes during 8 Infill calls: replica A ${afterA - beforeA}, replica B ${afterB - beforeB}`,
    );
    expect(afterA - beforeA).toBeGreaterThan(0);
    expect(afterB - beforeB).toBeGreaterThan(0);
  });

  it('loses no request when one replica is stopped mid-load (SIGTERM, as in a rollout)', async () => {
    const client = orchestrator.client(ENSEMBLE_SERVICE);
    const outcomes: string[] = [];
    let stopped: Promise<number | null> | undefined;
    const worker = async (w: number) => {
      for (let i = 0; i < 6; i++) {
        if (w === 0 && i === 2) stopped = replicaB.stop('SIGTERM');
        const response = await unaryCall<InfillResponse>(client, 'Infill', request).then(
          (r) =>
            r.missingBackends.length ? `missing ${r.missingBackends.map((m) => m.code).join(',')}` : 'ok',
          (error: Error) => `error ${error.message}`,
        );
        outcomes.push(response);
      }
    };
    await Promise.all([0, 1, 2, 3].map(worker));
    client.close();
    expect(await stopped).toBe(0);
    expect(outcomes).toHaveLength(24);
    expect(outcomes.filter((o) => o !== 'ok')).toEqual([]);
  });
});
