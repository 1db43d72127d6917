import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectPath } from '@ensemble/config';
import { CausalLm, createSession, openModelDirectory, SessionRunner } from '@ensemble/inference';
import { CausalScorer } from './causal-scorer';
import { summarise } from './log-likelihood';

const dir = findProjectPath('test/fixtures/models/tiny-ar') as string;
const prompt = (
  JSON.parse(readFileSync(join(dir, 'reference', 'logits.json'), 'utf8')) as {
    cases: Array<{ name: string; input_ids: number[][] }>;
  }
).cases.find((c) => c.name === 'fim')?.input_ids[0] as number[];

describe('CausalScorer on the tiny autoregressive fixture', () => {
  let runner: SessionRunner;
  let lm: CausalLm;

  beforeAll(async () => {
    const directory = openModelDirectory(dir, 'autoregressive');
    runner = new SessionRunner(
      await createSession(directory.graphPath, { provider: 'cpu', intraOpThreads: 1, interOpThreads: 1 }),
    );
    lm = new CausalLm(runner, directory.manifest);
  });
  afterAll(async () => runner?.session.release());

  it('scores continuations of a shared prompt exactly as one forward over prompt + continuation would', async () => {
    const continuations = [[100, 101, 102, 103, 104], [7], [], [300, 301]];
    // A tiny logits budget forces one candidate per forward; a large one batches them all: both must agree.
    for (const maxLogitFloats of [1, 1e9]) {
      const scorer = new CausalScorer(lm, { maxLogitFloats });
      const batched = await scorer.continuations(prompt, continuations);
      for (const [i, continuation] of continuations.entries()) {
        const whole = [...prompt, ...continuation];
        const single = await scorer.span(whole, prompt.length, whole.length - 1);
        expect(batched[i]).toHaveLength(continuation.length);
        batched[i].forEach((value, k) => expect(value).toBeCloseTo(single[k], 4));
      }
    }
  });

  it('summarises to perplexity', () => {
    const summary = summarise([Math.log(0.5), Math.log(0.25)]);
    expect(summary.sumLogprob).toBeCloseTo(Math.log(0.125), 12);
    expect(summary.tokenCount).toBe(2);
    expect(summary.meanNll).toBeCloseTo(-Math.log(0.125) / 2, 12);
    expect(summary.perplexity).toBeCloseTo(Math.sqrt(8), 12);
    expect(summarise([])).toEqual({ sumLogprob: 0, tokenCount: 0, meanNll: 0, perplexity: 1 });
  });
});
