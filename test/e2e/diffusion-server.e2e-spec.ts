import { status } from '@grpc/grpc-js';
import { collectStream, createClient, unaryCall } from '@ensemble/grpc';
import { FinishReason, GenerateResponse, GenerateStreamResponse, MODEL_SERVICE } from '@ensemble/proto';
import { bufCurl, grpcError, ServerProcess } from './support/server-process';
import { settledForwardPasses } from './support/metrics';

const input = { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' };
const FIXED = 1; // LENGTH_POLICY_FIXED
const P2 = 1;

describe('diffusion-server generation and scoring over gRPC', () => {
  let server: ServerProcess;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = await ServerProcess.start('diffusion-server');
    await server.waitServing();
    client = createClient(MODEL_SERVICE, server.target);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop('SIGKILL');
  });

  const generate = (request: Record<string, unknown>) =>
    unaryCall<GenerateResponse>(client, 'Generate', { input, sampling: { temperature: 0 }, ...request });

  it('fills the canvas with p2 in steps - ceil(steps / N) + 1 forwards, stopping when no mask is left', async () => {
    for (const [middleLength, steps] of [
      [6, 8],
      [4, 4],
      [10, 3],
    ]) {
      const response = await generate({
        diffusion: { steps, algorithm: P2, lengthPolicy: FIXED, middleLength },
      });
      const completion = response.completions[0];
      expect(completion.finishReason).toBe(FinishReason.FINISH_REASON_CANVAS_FILLED);
      expect(completion.completionTokens).toBe(middleLength);
      expect(completion.forwardPasses).toBe(steps - Math.ceil(steps / middleLength) + 1);
    }
  });

  it('uses the suffix: changing it changes the middle (the model attends both ways)', async () => {
    const diffusion = { steps: 8, lengthPolicy: FIXED, middleLength: 8 };
    const texts = new Set<string>();
    for (const suffix of ['\n\nprint(add(1, 2))\n', '\n\nx = [1, 2, 3]\n', '\n\nclass A:\n    pass\n']) {
      const response = await unaryCall<GenerateResponse>(client, 'Generate', {
        input: { prefix: input.prefix, suffix },
        sampling: { temperature: 0 },
        diffusion,
      });
      texts.add(response.completions[0].text);
    }
    expect(texts.size).toBeGreaterThan(1);
  });

  it('gives two concurrent requests the outputs they get one after the other', async () => {
    const requests = [
      {
        sampling: { temperature: 0.8, seed: 1 },
        diffusion: { steps: 12, lengthPolicy: FIXED, middleLength: 10 },
      },
      {
        sampling: { temperature: 0 },
        diffusion: { steps: 6, lengthPolicy: FIXED, middleLength: 5, algorithm: 3 },
      },
    ];
    const sequential = [];
    for (const request of requests) sequential.push((await generate(request)).completions[0].text);
    const concurrent = await Promise.all(requests.map((request) => generate(request)));
    expect(concurrent.map((response) => response.completions[0].text)).toEqual(sequential);
  });

  it('streams one progress event per denoising step, then the completion', async () => {
    const events = await collectStream<GenerateStreamResponse>(client, 'GenerateStream', {
      input,
      sampling: { temperature: 0 },
      diffusion: { steps: 5, lengthPolicy: FIXED, middleLength: 5, algorithm: 3 },
    });
    const progress = events.filter((event) => event.progress).map((event) => event.progress);
    expect(progress.map((p) => p?.step)).toEqual([0, 1, 2, 3, 4]);
    expect(progress[progress.length - 1]?.masksRemaining).toBe(0);
    const completion = events[events.length - 1].completion;
    expect(completion?.text).toBe(progress[progress.length - 1]?.canvas);
  });

  it('stops the denoising loop when the client cancels', async () => {
    const before = await settledForwardPasses(server);
    const received = await collectStream<GenerateStreamResponse>(
      client,
      'GenerateStream',
      {
        input,
        sampling: { temperature: 0 },
        diffusion: { steps: 500, lengthPolicy: FIXED, middleLength: 400 },
      },
      { onMessage: (_event, count) => count === 3 },
    );
    expect(received).toHaveLength(3);
    const after = await settledForwardPasses(server);
    expect(after - before).toBeGreaterThan(0);
    expect(after - before).toBeLessThan(100);
  });

  it('uses the oracle length of a reference middle, and rejects what does not fit', async () => {
    const oracle = await generate({
      diffusion: { steps: 4, lengthPolicy: 2, referenceMiddle: 'return a + b' },
    });
    const score = await unaryCall<{ scores: Array<{ tokenCount: number }> }>(client, 'Score', {
      input,
      candidates: ['return a + b'],
    });
    expect(oracle.completions[0].completionTokens).toBe(score.scores[0].tokenCount);
    const failure = await generate({ diffusion: { lengthPolicy: FIXED, middleLength: 600 } }).then(
      () => undefined,
      grpcError,
    );
    expect(failure?.code).toBe(status.INVALID_ARGUMENT);
    expect(failure?.details).toMatch(
      /^input prefix \+ middle \+ suffix is \d+ tokens \(middle length 600\), more than the context window of 512$/,
    );
  });

  it('searches over candidate lengths and reports the policy', async () => {
    const response = await generate({
      diffusion: { steps: 4, lengthPolicy: 4, candidateLengths: [2, 5, 9] },
    });
    const completion = response.completions[0];
    expect([2, 5, 9]).toContain(completion.completionTokens);
    expect(completion.lengthPolicy).toBe(4);
    // Every length was denoised.
    expect(completion.forwardPasses).toBeGreaterThanOrEqual(3 * 2);
  });

  it('scores candidates with the one-shot masked estimate and the Monte-Carlo one', async () => {
    for (const mode of [3, 4]) {
      const response = await unaryCall<{
        mode: number;
        scores: Array<{ tokenCount: number; sumLogprob: number; meanNll: number }>;
      }>(client, 'Score', { input, candidates: ['return a + b', ''], mode, monteCarloSamples: 4, seed: 1 });
      expect(response.mode).toBe(mode);
      expect(response.scores[0].tokenCount).toBeGreaterThan(0);
      expect(response.scores[0].sumLogprob).toBeLessThan(0);
      expect(response.scores[1].tokenCount).toBe(0);
    }
    const unsupported = await unaryCall(client, 'Score', { input, candidates: ['x'], mode: 1 }).then(
      () => undefined,
      grpcError,
    );
    expect(unsupported).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'mode fim is not supported by this model; supported: masked_one_shot, masked_monte_carlo',
    });
  });

  it('works through buf curl with reflection', async () => {
    const result = await bufCurl(server.target, [
      '/ensemble.v1.ModelService/Generate',
      '-d',
      JSON.stringify({
        input,
        sampling: { temperature: 0 },
        diffusion: { steps: 4, length_policy: 'LENGTH_POLICY_FIXED', middle_length: 4 },
      }),
    ]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout).completions[0].finishReason).toBe('FINISH_REASON_CANVAS_FILLED');
  });
});
