import { status } from '@grpc/grpc-js';
import { collectStream, createClient, unaryCall } from '@ensemble/grpc';
import { FinishReason, GenerateResponse, GenerateStreamResponse, MODEL_SERVICE } from '@ensemble/proto';
import { settledForwardPasses } from './support/metrics';
import { bufCurl, grpcError, ServerProcess } from './support/server-process';

const input = { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' };

describe('ar-server generation and scoring over gRPC', () => {
  let server: ServerProcess;
  let client: ReturnType<typeof createClient>;

  beforeAll(async () => {
    server = await ServerProcess.start('ar-server', { MAX_BATCH_SIZE: '8' });
    await server.waitServing();
    client = createClient(MODEL_SERVICE, server.target);
  });
  afterAll(async () => {
    client?.close();
    await server?.stop('SIGKILL');
  });

  const generate = (sampling: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
    unaryCall<GenerateResponse>(client, 'Generate', { input, sampling, ...extra });

  it('generates n samples with echoed consecutive seeds, reproducibly', async () => {
    const sampling = { temperature: 1.2, maxNewTokens: 12, seed: 41, n: 3 };
    const [first, again] = await Promise.all([generate(sampling), generate(sampling)]);
    expect(first.completions.map((c) => c.seed)).toEqual([41, 42, 43]);
    expect(first.completions.map((c) => c.sampleIndex)).toEqual([0, 1, 2]);
    expect(again.completions.map((c) => c.text)).toEqual(first.completions.map((c) => c.text));
    for (const completion of first.completions) {
      expect(completion.promptTokens).toBeGreaterThan(0);
      expect(completion.completionTokens).toBeGreaterThan(0);
      expect(completion.completionTokens).toBeLessThanOrEqual(12);
      expect(completion.forwardPasses).toBe(completion.completionTokens);
    }
    // Echoed seeds reproduce single samples.
    const replay = await generate({ temperature: 1.2, maxNewTokens: 12, seed: 42 });
    expect(replay.completions[0].text).toBe(first.completions[1].text);
  });

  it('stops before a stop string and reports it', async () => {
    const free = (await generate({ temperature: 0, maxNewTokens: 24 })).completions[0];
    const chars = [...free.text];
    expect(chars.length).toBeGreaterThan(4);
    const stop = chars.slice(2, 4).join('');
    const stopped = (await generate({ temperature: 0, maxNewTokens: 24, stop: [stop] })).completions[0];
    expect(stopped.finishReason).toBe(FinishReason.FINISH_REASON_STOP);
    expect(stopped.matchedStop).toBe(stop);
    expect(stopped.text).toBe(free.text.slice(0, free.text.indexOf(stop)));
  });

  it('streams deltas that concatenate to the final text', async () => {
    const events = await collectStream<GenerateStreamResponse>(client, 'GenerateStream', {
      input,
      sampling: { temperature: 0.9, seed: 5, maxNewTokens: 20, n: 2 },
    });
    for (const sampleIndex of [0, 1]) {
      const mine = events.filter((event) => event.sampleIndex === sampleIndex);
      const completion = mine.find((event) => event.completion)?.completion;
      expect(completion).toBeDefined();
      expect(mine[mine.length - 1].completion).toBeDefined();
      const streamed = mine.map((event) => event.delta?.text ?? '').join('');
      expect(streamed).toBe(completion?.text);
    }
  });

  it('answers 8 concurrent requests with the same outputs as 8 sequential ones, and faster', async () => {
    const requests = Array.from({ length: 8 }, (_, i) => ({
      temperature: 0.8,
      seed: 100 + i,
      maxNewTokens: 48,
    }));
    const sequentialStart = performance.now();
    const sequential: string[] = [];
    for (const sampling of requests) sequential.push((await generate(sampling)).completions[0].text);
    const sequentialMs = performance.now() - sequentialStart;
    const concurrentStart = performance.now();
    const concurrent = await Promise.all(requests.map((sampling) => generate(sampling)));
    const concurrentMs = performance.now() - concurrentStart;
    expect(concurrent.map((response) => response.completions[0].text)).toEqual(sequential);
    // Reported, not asserted: timing belongs to benchmarks.
    console.log(
      `8 sequential Generate: ${sequentialMs.toFixed(0)} ms, 8 concurrent: ${concurrentMs.toFixed(0)} ms ` +
        `(speed-up x${(sequentialMs / concurrentMs).toFixed(2)})`,
    );
  });

  it('stops decoding when the client cancels a stream', async () => {
    const before = await settledForwardPasses(server);
    const received = await collectStream<GenerateStreamResponse>(
      client,
      'GenerateStream',
      { input, sampling: { temperature: 1, seed: 9, maxNewTokens: 400 } },
      { onMessage: (_event, count) => count === 3 },
    );
    expect(received).toHaveLength(3);
    const after = await settledForwardPasses(server);
    // Prefill + a few decode steps ran; nowhere near the 400 the request allowed.
    expect(after - before).toBeGreaterThan(0);
    expect(after - before).toBeLessThan(200);
  });

  it('stops decoding when the deadline passes', async () => {
    const before = await settledForwardPasses(server);
    const failure = await unaryCall(
      client,
      'Generate',
      { input, sampling: { temperature: 1, seed: 3, maxNewTokens: 450, n: 8 } },
      { timeoutMs: 50 },
    ).then(() => undefined, grpcError);
    expect(failure?.code).toBe(status.DEADLINE_EXCEEDED);
    const after = await settledForwardPasses(server);
    expect(after - before).toBeLessThan(450);
  });

  it('shortens the default max_new_tokens to fit the context window', async () => {
    // The default (512) plus the prompt does not fit the fixture's 512-token window.
    const response = await unaryCall<GenerateResponse>(client, 'Generate', {
      input,
      sampling: { temperature: 0 },
    });
    const completion = response.completions[0];
    expect(completion.promptTokens + completion.completionTokens).toBeLessThanOrEqual(512);
  });

  it('rejects a request that does not fit the context window, naming the field', async () => {
    const failure = await generate({ maxNewTokens: 2000 }).then(() => undefined, grpcError);
    expect(failure?.code).toBe(status.INVALID_ARGUMENT);
    expect(failure?.details).toMatch(
      /^sampling\.max_new_tokens \(2000\) plus the prompt \(\d+ tokens\) exceeds the context window of 512 tokens$/,
    );
  });

  it('scores candidates, identical ones once and alike, in both modes', async () => {
    for (const mode of [1, 2]) {
      const response = await unaryCall<{
        mode: number;
        scores: Array<{
          candidateIndex: number;
          tokenCount: number;
          sumLogprob: number;
          perplexity: number;
          meanNll: number;
        }>;
      }>(client, 'Score', { input, candidates: ['return a + b', 'return a - b', 'return a + b'], mode });
      expect(response.mode).toBe(mode);
      expect(response.scores.map((s) => s.candidateIndex)).toEqual([0, 1, 2]);
      expect(response.scores[2]).toEqual({ ...response.scores[0], candidateIndex: 2 });
      for (const score of response.scores) {
        expect(score.tokenCount).toBeGreaterThan(0);
        expect(score.sumLogprob).toBeLessThan(0);
        expect(score.meanNll).toBeCloseTo(-score.sumLogprob / score.tokenCount, 9);
        expect(score.perplexity).toBeCloseTo(Math.exp(score.meanNll), 6);
      }
    }
  });

  it('works through buf curl with reflection', async () => {
    const result = await bufCurl(server.target, [
      '/ensemble.v1.ModelService/Generate',
      '-d',
      JSON.stringify({ input, sampling: { temperature: 0, max_new_tokens: 8 } }),
    ]);
    expect(result.stderr).toBe('');
    const response = JSON.parse(result.stdout);
    expect(response.model).toBe('tiny-ar');
    expect(response.completions).toHaveLength(1);
    expect(['FINISH_REASON_LENGTH', 'FINISH_REASON_EOS']).toContain(response.completions[0].finishReason);
  });
});
