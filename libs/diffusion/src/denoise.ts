import { Rng } from '@ensemble/inference';
import type { DiffusionAlgorithmName } from '@ensemble/validation';
import { BidirectionalLm } from './bidirectional-lm';
import { ConfidenceKind, DenoiseSampling, sampleDenoiseToken } from './sample-tokens';
import { maskgitTimesteps, maskgitTransfers, originTransferProbability, p2MaskedAfter } from './schedules';

export interface DenoiseRequest {
  /** encode(prefix) + [MASK] * m + encode(suffix) */
  canvas: number[];
  steps: number;
  algorithm: DiffusionAlgorithmName;
  sampling: DenoiseSampling;
  algTemp: number;
  rng: Rng;
  signal: AbortSignal;
  /** After each step: the canvas so far (for streaming progress). */
  onStep?: (step: number, canvas: readonly number[], masksRemaining: number) => void;
}

export interface DenoiseResult {
  canvas: number[];
  forwards: number;
  /** Decoded tokens set back to MASK over the run (p2 only). */
  remasked: number;
}

const CONFIDENCE: Record<DiffusionAlgorithmName, ConfidenceKind> = {
  p2: 'probability',
  'p2-legacy': 'probability',
  maskgit_plus: 'probability',
  origin: 'probability',
  entropy: 'negative_entropy',
  topk_margin: 'margin',
};

/**
 * Open-dLLM's denoising loops (REFERENCE.md §2), one bidirectional forward per step. Every loop first stops when
 * no position is masked, so the number of forwards is not always `steps`.
 *
 * Ties among equal confidences (the reference's sort order is unspecified): the lower position is chosen first,
 * both when committing the most confident positions and when re-masking the least confident ones.
 */
export async function denoise(lm: BidirectionalLm, request: DenoiseRequest): Promise<DenoiseResult> {
  const mask = lm.maskId;
  const canvas = [...request.canvas];
  const initiallyMasked = positionsOf(canvas, mask);
  const kind = CONFIDENCE[request.algorithm];
  const timesteps = maskgitTimesteps(request.steps);
  let forwards = 0;
  let remasked = 0;

  for (let step = 0; step < request.steps; step++) {
    const masked = positionsOf(canvas, mask);
    if (masked.length === 0) break;
    request.signal.throwIfAborted();

    if (request.algorithm === 'p2' || request.algorithm === 'p2-legacy') {
      // p2 samples every middle position (decoded ones may be re-masked); p2-legacy only the masked ones.
      const sampled = request.algorithm === 'p2' ? initiallyMasked : masked;
      const { logits, vocab } = await lm.predict(canvas, sampled);
      forwards++;
      const tokens = sampled.map((position, i) => ({
        position,
        ...sampleDenoiseToken(
          logits.subarray(i * vocab, (i + 1) * vocab),
          request.sampling,
          kind,
          request.rng,
        ),
      }));
      const keepMasked = p2MaskedAfter(initiallyMasked.length, step, request.steps);
      // Lowest confidence first; ties: lower position first.
      const ranked = [...tokens].sort((a, b) => a.confidence - b.confidence || a.position - b.position);
      const remask = new Set(ranked.slice(0, keepMasked).map((token) => token.position));
      for (const token of tokens) {
        if (remask.has(token.position)) {
          if (canvas[token.position] !== mask) remasked++;
          canvas[token.position] = mask;
        } else if (canvas[token.position] === mask) {
          canvas[token.position] = token.id;
        }
      }
    } else {
      const { logits, vocab } = await lm.predict(canvas, masked);
      forwards++;
      const row = (i: number) => logits.subarray(i * vocab, (i + 1) * vocab);
      if (request.algorithm === 'origin') {
        const probability = originTransferProbability(step, request.steps, timesteps);
        masked.forEach((position, i) => {
          // One uniform draw per masked position, at temperature 0 too.
          if (request.rng.nextFloat() < probability) {
            canvas[position] = sampleDenoiseToken(row(i), request.sampling, kind, request.rng).id;
          }
        });
      } else {
        const tokens = masked.map((position, i) => ({
          position,
          ...sampleDenoiseToken(row(i), request.sampling, kind, request.rng),
        }));
        const count = maskgitTransfers(masked.length, step, request.steps, timesteps);
        for (const token of pickMostConfident(tokens, count, request.algTemp, request.rng))
          canvas[token.position] = token.id;
      }
    }
    request.onStep?.(step, canvas, positionsOf(canvas, mask).length);
  }
  return { canvas, forwards, remasked };
}

interface ScoredPosition {
  position: number;
  id: number;
  confidence: number;
}

/** Top-`count` by confidence (ties: lower position); with alg_temp > 0, by confidence / alg_temp + Gumbel noise. */
function pickMostConfident(
  tokens: ScoredPosition[],
  count: number,
  algTemp: number,
  rng: Rng,
): ScoredPosition[] {
  if (count <= 0) return [];
  const keyed = tokens.map((token) => ({
    token,
    key:
      algTemp > 0
        ? token.confidence / algTemp - Math.log(-Math.log(Math.max(rng.nextFloat(), Number.MIN_VALUE)))
        : token.confidence,
  }));
  keyed.sort((a, b) => b.key - a.key || a.token.position - b.token.position);
  return keyed.slice(0, count).map(({ token }) => token);
}

function positionsOf(canvas: readonly number[], id: number): number[] {
  const positions: number[] = [];
  canvas.forEach((token, position) => token === id && positions.push(position));
  return positions;
}
