import { collectStream, createClient, unaryCall } from '@ensemble/grpc';
import {
  ENSEMBLE_SERVICE,
  EvaluateResponse,
  GenerateStreamResponse,
  InfillResponse,
  LengthPolicy,
  MODEL_SERVICE,
  TaskStatus,
} from '@ensemble/proto';
import { ServerProcess } from '../e2e/support/server-process';
import { HangingModelServer } from './support/fake-model-server';

const input = { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' };
const request = {
  input,
  sampling: { temperature: 0, maxNewTokens: 8 },
  diffusion: { steps: 4, lengthPolicy: LengthPolicy.LENGTH_POLICY_FIXED, middleLength: 6 },
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const backendReady = (orchestrator: ServerProcess, name: string) => () =>
  orchestrator.logs.includes(`"backend ready","backend":"${name}"`);

describe('fault: a backend that accepts calls and never answers', () => {
  let ar: ServerProcess;
  let hanging: HangingModelServer;
  let orchestrator: ServerProcess;

  beforeAll(async () => {
    hanging = await HangingModelServer.start();
    ar = await ServerProcess.start('ar-server');
    await ar.waitServing();
    orchestrator = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${hanging.target}`,
      BACKEND_GENERATE_TIMEOUT_MS: '2000',
      BACKEND_SCORE_TIMEOUT_MS: '2000',
      HEALTH_CHECK_INTERVAL_MS: '300',
    });
    await orchestrator.waitServing();
    await until(
      'both backends ready',
      () => backendReady(orchestrator, 'ar')() && backendReady(orchestrator, 'diffusion')(),
    );
  });
  afterAll(async () => {
    hanging?.close();
    await Promise.all([ar, orchestrator].filter(Boolean).map((server) => server.stop('SIGKILL')));
  });

  it.each([
    ['the backend timeout (no client deadline)', undefined],
    ["the client's deadline", 8000],
  ])(
    'answers within %s from the other backend, lists the hung one, and cancels its call',
    async (_what, timeoutMs) => {
      const client = orchestrator.client(ENSEMBLE_SERVICE);
      const seen = hanging.received('Generate').length;
      try {
        const response = await unaryCall<InfillResponse>(client, 'Infill', request, { timeoutMs });
        expect(response.candidates.map((candidate) => candidate.backend)).toEqual(['ar']);
        expect(response.completion).toBe(response.candidates[0].completion?.text);
        expect(response.missingBackends).toContainEqual(
          expect.objectContaining({ backend: 'diffusion', phase: 'generate', code: 'DEADLINE_EXCEEDED' }),
        );
      } finally {
        client.close();
      }
      // The orchestrator's deadline reached the hung peer as a cancellation: its call does not linger.
      const calls = hanging.received('Generate').slice(seen);
      expect(calls).toHaveLength(1);
      await expect(calls[0].ended).resolves.toBe('cancelled');
    },
  );
});

describe('fault: SIGTERM to a model server in the middle of a request', () => {
  it('lets the running request complete within the grace period, then exits 0', async () => {
    const server = await ServerProcess.start('diffusion-server', { SHUTDOWN_GRACE_MS: '120000' });
    await server.waitServing();
    const client = server.client(MODEL_SERVICE);
    let exit: Promise<number | null> | undefined;
    let afterSignal = 0;
    try {
      // One progress event per denoising step: a long request whose progress shows it is still running.
      const events = await collectStream<GenerateStreamResponse>(
        client,
        'GenerateStream',
        {
          input,
          sampling: { temperature: 0 },
          diffusion: { steps: 256, lengthPolicy: LengthPolicy.LENGTH_POLICY_FIXED, middleLength: 32 },
        },
        {
          onMessage: (_event, received) => {
            if (exit) afterSignal++;
            else if (received === 3) exit = server.stop('SIGTERM');
          },
        },
      );
      expect(exit).toBeDefined();
      // Events after the signal: the request was in flight when SIGTERM arrived, and it was not cut short.
      expect(afterSignal).toBeGreaterThan(0);
      expect(events[events.length - 1].completion?.text).toEqual(expect.any(String));
    } finally {
      client.close();
    }
    expect(await exit).toBe(0);
    const stopped = server.records().find((record) => record.msg === 'stopped');
    expect(stopped).toMatchObject({ drained: true });
    expect(server.records().map((record) => record.msg)).not.toContain(
      'grace period over: cancelling the calls still running',
    );
  });
});

describe('fault: kill -9 of a model server during Evaluate, then a restart on the same port', () => {
  let ar: ServerProcess;
  let diffusion: ServerProcess;
  let orchestrator: ServerProcess;

  beforeAll(async () => {
    [ar, diffusion] = await Promise.all([
      ServerProcess.start('ar-server'),
      ServerProcess.start('diffusion-server'),
    ]);
    await Promise.all([ar.waitServing(), diffusion.waitServing()]);
    orchestrator = await ServerProcess.start('orchestrator', {
      ENSEMBLE_BACKENDS: `ar=${ar.target},diffusion=${diffusion.target}`,
      HEALTH_CHECK_INTERVAL_MS: '300',
      BACKEND_GENERATE_TIMEOUT_MS: '20000',
    });
    await orchestrator.waitServing();
    await until(
      'both backends ready',
      () => backendReady(orchestrator, 'ar')() && backendReady(orchestrator, 'diffusion')(),
    );
  });
  afterAll(async () => {
    await Promise.all([ar, diffusion, orchestrator].filter(Boolean).map((server) => server.stop('SIGKILL')));
  });

  it('streams every task (OK from the survivor or FAILED with a reason), then uses the restarted backend again', async () => {
    const client = createClient(ENSEMBLE_SERVICE, orchestrator.target);
    let killedAfter: number | undefined;
    const events = await collectStream<EvaluateResponse>(
      client,
      'Evaluate',
      {
        dataset: 'humaneval-single-line',
        limit: 8,
        concurrency: 2,
        sampling: { temperature: 0, maxNewTokens: 8 },
        diffusion: { steps: 4, lengthPolicy: LengthPolicy.LENGTH_POLICY_FIXED, middleLength: 6 },
      },
      {
        onMessage: (event) => {
          if (event.task && killedAfter === undefined) {
            killedAfter = 1;
            void diffusion.stop('SIGKILL');
          }
        },
      },
    );
    const tasks = events.flatMap((event) => (event.task ? [event.task] : []));
    expect(tasks).toHaveLength(8);
    expect(new Set(tasks.map((task) => task.taskId)).size).toBe(8);
    for (const task of tasks) {
      if (task.status === TaskStatus.TASK_STATUS_OK) {
        expect(task.candidates.length).toBeGreaterThan(0);
        // Every backend either contributed a candidate or is listed as missing with a reason.
        for (const backend of ['ar', 'diffusion']) {
          const present = task.candidates.some((candidate) => candidate.backend === backend);
          const missing = task.missingBackends.find((failure) => failure.backend === backend);
          expect({
            backend,
            accounted: present || (missing !== undefined && missing.message !== ''),
          }).toEqual({
            backend,
            accounted: true,
          });
        }
      } else {
        expect(task.status).toBe(TaskStatus.TASK_STATUS_FAILED);
        expect(task.error).not.toBe('');
      }
    }
    // The kill happened mid-stream: later tasks ran without the diffusion backend, and the survivor answered them.
    expect(
      tasks.some((task) => task.missingBackends.some((failure) => failure.backend === 'diffusion')),
    ).toBe(true);
    expect(tasks.slice(2).filter((task) => task.status === TaskStatus.TASK_STATUS_OK).length).toBeGreaterThan(
      0,
    );
    expect(events[events.length - 1].finished).toMatchObject({ done: 8 });

    // Back on the same port: the health watch notices, and Infill uses it again.
    diffusion = await ServerProcess.start('diffusion-server', {}, { port: diffusion.port });
    await diffusion.waitServing();
    let response: InfillResponse | undefined;
    await until('an Infill with both backends again', async () => {
      response = await unaryCall<InfillResponse>(client, 'Infill', request);
      return response.candidates.some((candidate) => candidate.backend === 'diffusion');
    });
    expect(response?.missingBackends).toEqual([]);
    expect(response?.candidates.map((candidate) => candidate.backend).sort()).toEqual(['ar', 'diffusion']);
    const transitions = orchestrator
      .records()
      .filter(
        (record) => record.backend === 'diffusion' && /^backend (not )?serving$/.test(String(record.msg)),
      )
      .map((record) => record.msg);
    expect(transitions.slice(-2)).toEqual(['backend not serving', 'backend serving']);
    client.close();
  });
});
