import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { findProjectPath } from '@ensemble/config';
import { openModelDirectory } from '../model-directory';
import { createSession } from '../onnx-session';
import { Rng } from '../sampling/rng';
import { SessionRunner } from '../session-runner';
import { CausalLm } from './causal-lm';
import { DecodeRequest, DecodeScheduler } from './decode-scheduler';

/** Greedy continuations computed by transformers on the same checkpoint (tools/export, reference/logits.json). */
interface GreedyCase {
  name: string;
  input_ids: number[][];
  greedy_next_ids?: number[];
}

const dir = findProjectPath('test/fixtures/models/tiny-ar') as string;
const reference = JSON.parse(readFileSync(join(dir, 'reference', 'logits.json'), 'utf8')) as {
  cases: GreedyCase[];
};
const greedyCases = reference.cases.filter((c) => c.greedy_next_ids && c.input_ids.length === 1);

describe('DecodeScheduler on the tiny autoregressive fixture', () => {
  let lm: CausalLm;
  let runner: SessionRunner;

  beforeAll(async () => {
    const directory = openModelDirectory(dir, 'autoregressive');
    const session = await createSession(directory.graphPath, {
      provider: 'cpu',
      intraOpThreads: 1,
      interOpThreads: 1,
    });
    runner = new SessionRunner(session);
    lm = new CausalLm(runner, directory.manifest);
  });
  afterAll(async () => runner?.session.release());

  const greedy = (
    prompt: number[],
    maxNewTokens: number,
    signal = new AbortController().signal,
  ): DecodeRequest => ({
    prompt,
    sampling: { temperature: 0, topP: 1, topK: 0 },
    rng: new Rng(0),
    maxNewTokens,
    onToken: () => false,
    signal,
  });

  it('has greedy references to compare against', () => {
    expect(greedyCases.map((c) => c.name)).toEqual(expect.arrayContaining(['plain', 'fim']));
  });

  it.each(greedyCases.map((c) => [c.name, c] as const))(
    'greedy decode of %s equals transformers',
    async (_name, c) => {
      const scheduler = new DecodeScheduler(lm, { maxBatchSize: 4, maxQueueSize: 8, maxPrefillTokens: 4096 });
      const expected = c.greedy_next_ids as number[];
      const result = await scheduler.submit(greedy(c.input_ids[0], expected.length));
      expect(result.tokens).toEqual(expected);
      expect(result.finish).toBe('length');
      expect(result.forwards).toBe(expected.length);
    },
  );

  it('gives every row of a concurrent batch the output it gets alone', async () => {
    const scheduler = new DecodeScheduler(lm, { maxBatchSize: 8, maxQueueSize: 8, maxPrefillTokens: 4096 });
    // Different prompt lengths and budgets, so rows are left-padded, join at different steps and stop at different times.
    const prompts = greedyCases.flatMap((c) => [
      c.input_ids[0],
      c.input_ids[0].slice(3),
      c.input_ids[0].slice(0, 5),
    ]);
    const budgets = prompts.map((_, i) => 4 + ((i * 5) % 11));
    const alone: number[][] = [];
    for (let i = 0; i < prompts.length; i++)
      alone.push((await scheduler.submit(greedy(prompts[i], budgets[i]))).tokens);
    const together = await Promise.all(
      prompts.map((prompt, i) => scheduler.submit(greedy(prompt, budgets[i]))),
    );
    expect(together.map((result) => result.tokens)).toEqual(alone);
  });

  it('samples reproducibly from a seed', async () => {
    const scheduler = new DecodeScheduler(lm, { maxBatchSize: 4, maxQueueSize: 8, maxPrefillTokens: 4096 });
    const sample = (seed: number) =>
      scheduler.submit({
        ...greedy(greedyCases[0].input_ids[0], 12),
        sampling: { temperature: 1.5, topP: 1, topK: 0 },
        rng: new Rng(seed),
      });
    const [a, b, c] = await Promise.all([sample(1), sample(1), sample(2)]);
    expect(a.tokens).toEqual(b.tokens);
    expect(a.tokens).not.toEqual(c.tokens);
  });

  it('ends a row when onToken says so', async () => {
    const scheduler = new DecodeScheduler(lm, { maxBatchSize: 4, maxQueueSize: 8, maxPrefillTokens: 4096 });
    let seen = 0;
    const result = await scheduler.submit({
      ...greedy(greedyCases[0].input_ids[0], 50),
      onToken: () => ++seen === 3,
    });
    expect(result.tokens).toHaveLength(3);
    expect(result.finish).toBe('stopped');
  });

  it('fails only the row whose callback throws; the rest of the batch finishes normally', async () => {
    const scheduler = new DecodeScheduler(lm, { maxBatchSize: 4, maxQueueSize: 8, maxPrefillTokens: 4096 });
    const prompt = greedyCases[0].input_ids[0];
    const expected = (await scheduler.submit(greedy(prompt, 10))).tokens;
    let calls = 0;
    const [broken, healthy] = await Promise.all([
      scheduler
        .submit({
          ...greedy(prompt, 10),
          onToken: () => {
            if (++calls === 3) throw new Error('callback failed');
            return false;
          },
        })
        .catch((error: Error) => error.message),
      scheduler.submit(greedy(prompt, 10)),
    ]);
    expect(broken).toBe('callback failed');
    expect(healthy.tokens).toEqual(expected);
  });

  it('stops spending forwards on a cancelled row', async () => {
    const scheduler = new DecodeScheduler(lm, { maxBatchSize: 4, maxQueueSize: 8, maxPrefillTokens: 4096 });
    const controller = new AbortController();
    let tokens = 0;
    const cancelledAfter = 5;
    const outcome = scheduler
      .submit({
        ...greedy(greedyCases[0].input_ids[0], 400, controller.signal),
        onToken: () => {
          if (++tokens === cancelledAfter) controller.abort(new Error('cancelled by test'));
          return false;
        },
      })
      .catch((error: Error) => error.message);
    expect(await outcome).toBe('cancelled by test');
    const forwardsAtCancel = runner.forwards;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(runner.forwards).toBe(forwardsAtCancel);
    expect(tokens).toBe(cancelledAfter);
  });

  it('refuses work beyond the queue bound with RESOURCE_EXHAUSTED', async () => {
    const scheduler = new DecodeScheduler(lm, { maxBatchSize: 1, maxQueueSize: 1, maxPrefillTokens: 4096 });
    const prompt = greedyCases[0].input_ids[0];
    const first = scheduler.submit(greedy(prompt, 5)); // takes the slot
    const second = scheduler.submit(greedy(prompt, 5)); // waits
    const third = scheduler.submit(greedy(prompt, 5)).catch((error: { code: number }) => error.code);
    expect(await third).toBe(status.RESOURCE_EXHAUSTED);
    await Promise.all([first, second]);
  });
});
