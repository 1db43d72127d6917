import { unaryCall } from '@ensemble/grpc';
import { ENSEMBLE_SERVICE, InfillResponse, LengthPolicy } from '@ensemble/proto';
import { ServerProcess } from '../e2e/support/server-process';
import { BusyModelServer } from './support/fake-model-server';

const request = {
  input: { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' },
  sampling: { temperature: 0, maxNewTokens: 8 },
  diffusion: { steps: 4, lengthPolicy: LengthPolicy.LENGTH_POLICY_FIXED, middleLength: 6 },
};

async function busyBackendReady(orchestrator: ServerProcess): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!orchestrator.logs.includes('"backend ready","backend":"diffusion"')) {
    if (Date.now() > deadline) throw new Error('the orchestrator never saw the busy backend ready');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// On CPU a model server answers nothing while onnxruntime-node runs a forward (seconds at 0.5B): health checks
// time out although the backend is working for us. It must not be marked down for that (docs/perf.md).
describe('a backend whose health checks time out while it works on our call', () => {
  let ar: ServerProcess;
  let busy: BusyModelServer;
  let orchestrator: ServerProcess;

  beforeAll(async () => {
    // 3 s of silence = about eight missed health checks (300 ms interval and timeout); three used to mark it down.
    busy = await BusyModelServer.start(3000);
    ar = await ServerProcess.start('ar-server');
    await ar.waitServing();
    orchestrator = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${busy.target}`,
      HEALTH_CHECK_INTERVAL_MS: '300',
    });
    await orchestrator.waitServing();
    await busyBackendReady(orchestrator);
  });
  afterAll(async () => {
    busy?.close();
    await Promise.all([ar, orchestrator].filter(Boolean).map((server) => server.stop('SIGKILL')));
  });

  it('keeps it in service: its candidate is used, and the next request goes to it again', async () => {
    const client = orchestrator.client(ENSEMBLE_SERVICE);
    try {
      for (let call = 0; call < 2; call++) {
        const response = await unaryCall<InfillResponse>(client, 'Infill', request, { timeoutMs: 30_000 });
        expect(response.candidates.map((candidate) => candidate.backend).sort()).toEqual(['ar', 'diffusion']);
        expect(response.missingBackends.filter((failure) => failure.phase === 'generate')).toEqual([]);
      }
      expect(orchestrator.logs).not.toContain('"backend not serving","backend":"diffusion"');
    } finally {
      client.close();
    }
  });
});

// Connections are recycled (GRPC_MAX_CONNECTION_AGE_MS) so clients re-resolve; a call longer than the connection's
// age must still finish on the old connection, however long it takes.
describe('a call that outlives its connection’s GRPC_MAX_CONNECTION_AGE_MS', () => {
  let ar: ServerProcess;
  let busy: BusyModelServer;
  let orchestrator: ServerProcess;

  beforeAll(async () => {
    busy = await BusyModelServer.start(3000);
    ar = await ServerProcess.start('ar-server');
    await ar.waitServing();
    orchestrator = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${busy.target}`,
      GRPC_MAX_CONNECTION_AGE_MS: '300',
      SHUTDOWN_GRACE_MS: '0',
    });
    await orchestrator.waitServing();
    await busyBackendReady(orchestrator);
  });
  afterAll(async () => {
    busy?.close();
    await Promise.all([ar, orchestrator].filter(Boolean).map((server) => server.stop('SIGKILL')));
  });

  it('finishes: Infill waits 3 s for a backend on a connection that aged out after 0.3 s', async () => {
    const client = orchestrator.client(ENSEMBLE_SERVICE);
    try {
      const response = await unaryCall<InfillResponse>(client, 'Infill', request, { timeoutMs: 30_000 });
      expect(response.candidates.map((candidate) => candidate.backend).sort()).toEqual(['ar', 'diffusion']);
    } finally {
      client.close();
    }
  });
});
