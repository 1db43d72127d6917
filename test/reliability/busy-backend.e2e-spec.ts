import { unaryCall } from '@ensemble/grpc';
import { ENSEMBLE_SERVICE, InfillResponse, LengthPolicy } from '@ensemble/proto';
import { ServerProcess } from '../e2e/support/server-process';
import { BusyModelServer } from './support/fake-model-server';

const request = {
  input: { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' },
  sampling: { temperature: 0, maxNewTokens: 8 },
  diffusion: { steps: 4, lengthPolicy: LengthPolicy.LENGTH_POLICY_FIXED, middleLength: 6 },
};

/** The ar-server, a backend busy for 3 s per Generate, and an orchestrator over both, once it sees both ready. */
class BusyStack {
  private constructor(
    readonly ar: ServerProcess,
    readonly busy: BusyModelServer,
    readonly orchestrator: ServerProcess,
  ) {}

  static async start(orchestratorEnv: Record<string, string>): Promise<BusyStack> {
    const busy = await BusyModelServer.start(3000);
    const ar = await ServerProcess.start('ar-server');
    await ar.waitServing();
    const orchestrator = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${busy.target}`,
      ...orchestratorEnv,
    });
    await orchestrator.waitServing();
    const deadline = Date.now() + 60_000;
    while (!orchestrator.logs.includes('"backend ready","backend":"diffusion"')) {
      if (Date.now() > deadline) throw new Error('the orchestrator never saw the busy backend ready');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return new BusyStack(ar, busy, orchestrator);
  }

  /** Infill through the orchestrator, on one client connection. */
  async infill(calls: number): Promise<InfillResponse[]> {
    const client = this.orchestrator.client(ENSEMBLE_SERVICE);
    const responses: InfillResponse[] = [];
    try {
      for (let call = 0; call < calls; call++) {
        responses.push(await unaryCall<InfillResponse>(client, 'Infill', request, { timeoutMs: 30_000 }));
      }
      return responses;
    } finally {
      client.close();
    }
  }

  async stop(): Promise<void> {
    this.busy.close();
    await Promise.all([this.ar.stop('SIGKILL'), this.orchestrator.stop('SIGKILL')]);
  }
}

const backendsOf = (response: InfillResponse) =>
  response.candidates.map((candidate) => candidate.backend).sort();

// On CPU a model server answers nothing while onnxruntime-node runs a forward (seconds at 0.5B): health checks
// time out although the backend is working for us. It must not be marked down for that (docs/perf.md).
describe('a backend whose health checks time out while it works on our call', () => {
  let stack: BusyStack;
  // 3 s of silence = about eight missed health checks (300 ms interval and timeout); three used to mark it down.
  beforeAll(async () => (stack = await BusyStack.start({ HEALTH_CHECK_INTERVAL_MS: '300' })));
  afterAll(() => stack?.stop());

  it('keeps it in service: its candidate is used, and the next request goes to it again', async () => {
    for (const response of await stack.infill(2)) {
      expect(backendsOf(response)).toEqual(['ar', 'diffusion']);
      expect(response.missingBackends.filter((failure) => failure.phase === 'generate')).toEqual([]);
    }
    expect(stack.orchestrator.logs).not.toContain('"backend not serving","backend":"diffusion"');
  });
});

// Connections are recycled (GRPC_MAX_CONNECTION_AGE_MS) so clients re-resolve; a call longer than the connection's
// age must still finish on the old connection, however long it takes.
describe('a call that outlives its connection’s GRPC_MAX_CONNECTION_AGE_MS', () => {
  let stack: BusyStack;
  beforeAll(
    async () =>
      (stack = await BusyStack.start({ GRPC_MAX_CONNECTION_AGE_MS: '300', SHUTDOWN_GRACE_MS: '0' })),
  );
  afterAll(() => stack?.stop());

  it('finishes: Infill waits 3 s for a backend on a connection that aged out after 0.3 s', async () => {
    const [response] = await stack.infill(1);
    expect(backendsOf(response)).toEqual(['ar', 'diffusion']);
  });
});
