import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectPath } from '@ensemble/config';
import { createSession, openModelDirectory, Rng, SessionRunner } from '@ensemble/inference';
import type { DiffusionAlgorithmName } from '@ensemble/validation';
import { BidirectionalLm } from './bidirectional-lm';
import { denoise } from './denoise';
import { maskedOneShot } from './masked-score';
import { maskgitTimesteps, maskgitTransfers, originTransferProbability, p2MaskedAfter } from './schedules';

/**
 * The denoising loops against the Python/torch reference in tools/export (REFERENCE.md §2 line by line, run on
 * the same checkpoint through transformers): same middle tokens and same number of forwards at temperature 0,
 * and the float32 schedules. Cases whose outcome a near-tie would decide were left out by the reference.
 */
const dir = findProjectPath('test/fixtures/models/tiny-diffusion') as string;

interface DenoiseCase {
  id: string;
  input_ids: number[];
  middle_start: number;
  m: number;
  steps: number;
  algorithm: DiffusionAlgorithmName;
  top_p: number;
  top_k: number | null;
  middle_ids: number[];
  forwards: number;
  remask_count: number;
}
interface Reference {
  reference: string;
  cases: DenoiseCase[];
  schedules: {
    p2: Array<{ n: number; steps: number; k: number[] }>;
    maskgit: Array<{ n: number; steps: number; ts: number[]; counts: number[]; origin_p_transfer: number[] }>;
  };
  masked_scores: Array<{
    input_ids: number[];
    middle_start: number;
    candidate_ids: number[];
    logprobs_f64: number[];
  }>;
}

const reference = JSON.parse(readFileSync(join(dir, 'reference', 'denoise.json'), 'utf8')) as Reference;

describe('diffusion sampling matches the Python reference', () => {
  let runner: SessionRunner;
  let lm: BidirectionalLm;

  beforeAll(async () => {
    const directory = openModelDirectory(dir, 'diffusion');
    runner = new SessionRunner(
      await createSession(directory.graphPath, { provider: 'cpu', intraOpThreads: 1, interOpThreads: 1 }),
    );
    lm = new BidirectionalLm(runner, directory.manifest);
  });
  afterAll(async () => runner?.session.release());

  it('covers every algorithm but origin, with re-masking p2 cases', () => {
    expect(reference.reference).toMatch(/torch/);
    const algorithms = new Set(reference.cases.map((c) => c.algorithm));
    expect([...algorithms].sort()).toEqual(['entropy', 'maskgit_plus', 'p2', 'p2-legacy', 'topk_margin']);
    expect(reference.cases.some((c) => c.algorithm === 'p2' && c.remask_count > 0)).toBe(true);
  });

  it('computes the p2 and maskgit schedules as torch does in float32', () => {
    for (const { n, steps, k } of reference.schedules.p2) {
      expect(Array.from({ length: steps }, (_, i) => p2MaskedAfter(n, i, steps))).toEqual(k);
    }
    for (const { n, steps, ts, counts, origin_p_transfer: origin } of reference.schedules.maskgit) {
      const ours = maskgitTimesteps(steps);
      expect(ours).toEqual(ts.map(Math.fround));
      // The reference's counts assume nothing else changes n between steps: apply them in turn.
      let masked = n;
      const transfers = counts.map((_, i) => {
        const count = maskgitTransfers(masked, i, steps, ours);
        masked -= count;
        return count;
      });
      expect(transfers).toEqual(counts);
      expect(Array.from({ length: steps }, (_, i) => originTransferProbability(i, steps, ours))).toEqual(
        origin.map(Math.fround),
      );
    }
  });

  it(`reproduces all ${reference.cases.length} temperature-0 cases token for token, with the same forwards`, async () => {
    const mismatches: string[] = [];
    for (const c of reference.cases) {
      const result = await denoise(lm, {
        canvas: c.input_ids,
        steps: c.steps,
        algorithm: c.algorithm,
        sampling: { temperature: 0, topP: c.top_p, topK: c.top_k ?? 0 },
        algTemp: 0,
        rng: new Rng(0),
        signal: new AbortController().signal,
      });
      const middle = result.canvas.slice(c.middle_start, c.middle_start + c.m);
      if (
        JSON.stringify(middle) !== JSON.stringify(c.middle_ids) ||
        result.forwards !== c.forwards ||
        result.remasked !== c.remask_count
      ) {
        mismatches.push(
          `${c.id}: ${JSON.stringify(middle)} in ${result.forwards} (remasked ${result.remasked}), expected ${JSON.stringify(c.middle_ids)} in ${c.forwards} (remasked ${c.remask_count})`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('scores masked middles as the reference does (one-shot, within 1e-4 per token)', async () => {
    for (const score of reference.masked_scores) {
      const prefix = score.input_ids.slice(0, score.middle_start);
      const suffix = score.input_ids.slice(score.middle_start + score.candidate_ids.length);
      const ours = await maskedOneShot(lm, prefix, score.candidate_ids, suffix);
      expect(ours).toHaveLength(score.logprobs_f64.length);
      ours.forEach((value, i) => expect(Math.abs(value - score.logprobs_f64[i])).toBeLessThan(1e-4));
    }
  });
});
