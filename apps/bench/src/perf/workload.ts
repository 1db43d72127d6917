import { join } from 'node:path';
import { openModelDirectory } from '@ensemble/inference';
import { FimPromptBuilder, ModelTokenizer } from '@ensemble/tokenizer';

/** Sizes of the measured requests and how often each is repeated. */
export interface WorkloadShape {
  /** Prefix + suffix tokens of every request (the FIM prompt adds 3). */
  contextTokens: number;
  /** Autoregressive tokens per Generate (greedy; TTFT uses 1). */
  newTokens: number;
  concurrency: number;
  /** Masked middle of the diffusion infill. */
  middleLength: number;
  steps: number;
  scoreCandidates: number;
  /** Ensemble Infill: AR budget, diffusion steps and middle length (smaller than the single-model runs). */
  ensemble: { newTokens: number; steps: number; middleLength: number };
  reps: {
    ttft: number;
    decode: number;
    concurrent: number;
    score: number;
    /** Single denoising forwards timed per variant (restricted / full logits) in the floor. */
    stepForwards: number;
    infill: number;
    /** The floor's own infill loop (0: the floor reports per-step forwards only, which saves minutes). */
    floorInfill: number;
    ensemble: number;
    /** Weight-layout variants (time to first token and decoding only). */
    layout: { ttft: number; decode: number };
    /** The transformers anchor, which is several times slower, repeats less. */
    anchor: {
      ttft: number;
      decode: number;
      concurrent: number;
      score: number;
      stepForwards: number;
      infill: number;
    };
  };
}

export const FULL_SHAPE: WorkloadShape = {
  contextTokens: 300,
  newTokens: 64,
  concurrency: 8,
  middleLength: 20,
  steps: 64,
  scoreCandidates: 4,
  ensemble: { newTokens: 32, steps: 4, middleLength: 16 },
  reps: {
    ttft: 3,
    decode: 3,
    concurrent: 2,
    score: 2,
    stepForwards: 3,
    infill: 1,
    floorInfill: 0,
    ensemble: 2,
    layout: { ttft: 3, decode: 2 },
    anchor: { ttft: 2, decode: 2, concurrent: 1, score: 1, stepForwards: 2, infill: 1 },
  },
};

export const QUICK_SHAPE: WorkloadShape = {
  contextTokens: 64,
  newTokens: 16,
  concurrency: 8,
  middleLength: 10,
  steps: 64,
  scoreCandidates: 4,
  ensemble: { newTokens: 8, steps: 8, middleLength: 8 },
  reps: {
    ttft: 3,
    decode: 2,
    concurrent: 1,
    score: 2,
    stepForwards: 3,
    infill: 1,
    floorInfill: 1,
    ensemble: 1,
    layout: { ttft: 2, decode: 1 },
    anchor: { ttft: 2, decode: 1, concurrent: 1, score: 1, stepForwards: 2, infill: 1 },
  },
};

export interface ArWorkload {
  prefix: string;
  suffix: string;
  promptIds: number[];
  newTokens: number;
  concurrent: Array<{ prefix: string; suffix: string; promptIds: number[] }>;
  scoreCandidates: string[];
  scoreCandidateIds: number[][];
}

export interface DiffusionWorkload {
  prefix: string;
  suffix: string;
  prefixIds: number[];
  suffixIds: number[];
  maskId: number;
  middleLength: number;
  steps: number;
  scoreCandidates: string[];
  scoreCandidateIds: number[][];
}

export interface PerfWorkload {
  shape: WorkloadShape;
  ar: ArWorkload;
  diffusion: DiffusionWorkload;
  /** A pad id for left-padded batches (the AR model's). */
  padId: number;
}

/** Synthetic but code-shaped Python: numbered helper functions, deterministic. */
function codeBlock(index: number): string {
  const name = ['accumulate', 'normalise', 'partition', 'checksum', 'window', 'merge_runs'][index % 6];
  return (
    `def ${name}_${index}(values, threshold=${index + 3}):\n` +
    `    """Combine the values above ${index + 3} in a running total."""\n` +
    `    total = 0\n` +
    `    for position, value in enumerate(values):\n` +
    `        if value > threshold and position % ${(index % 5) + 2} == 0:\n` +
    `            total += value * ${index + 1}\n` +
    `    return total\n\n\n`
  );
}

/** About `tokens` tokens ending with `tail`: whole blocks, trimmed a character at a time from the start. */
function prefixText(tokenizer: ModelTokenizer, tokens: number, firstBlock: number, tail: string): string {
  let text = tail;
  for (let block = firstBlock; tokenizer.encode(text).length < tokens; block++)
    text = codeBlock(block) + text;
  while (text.length > tail.length && tokenizer.encode(text).length > tokens) text = text.slice(1);
  return text;
}

/** About `tokens` tokens starting with `head`: whole blocks, trimmed a character at a time from the end. */
function suffixText(tokenizer: ModelTokenizer, tokens: number, firstBlock: number, head: string): string {
  let text = head;
  for (let block = firstBlock; tokenizer.encode(text).length < tokens; block++) text += codeBlock(block);
  while (text.length > head.length && tokenizer.encode(text).length > tokens) text = text.slice(0, -1);
  return text;
}

const CANDIDATES = [
  'total = sum(value for value in values if value > threshold)',
  'result = [value * 2 for value in values]\n    total = len(result)',
  'for value in values:\n        total += value',
  'total = max(values, default=0) - min(values, default=0)',
  'if not values:\n        return 0\n    total = values[0]',
  'total = sorted(values)[len(values) // 2]',
];

/**
 * The requests every system runs, as text (for the servers) and as token ids (for the floor and the transformers
 * anchor, so all three process the very same sequences). Prefix and suffix split the context 2:1.
 */
export function buildWorkload(
  arModelDir: string,
  diffusionModelDir: string,
  shape: WorkloadShape,
): PerfWorkload {
  const ar = openModelDirectory(arModelDir, 'autoregressive');
  const diffusion = openModelDirectory(diffusionModelDir, 'diffusion');
  const arTokenizer = ModelTokenizer.fromFile(join(ar.path, 'tokenizer.json'));
  const diffusionTokenizer = ModelTokenizer.fromFile(join(diffusion.path, 'tokenizer.json'));
  const prompts = FimPromptBuilder.fromManifest(arTokenizer, ar.manifest);
  const prefixTokens = Math.round((shape.contextTokens * 2) / 3);
  const suffixTokens = shape.contextTokens - prefixTokens;
  const request = (variant: number) => {
    const prefix = prefixText(arTokenizer, prefixTokens, variant * 7, 'def target(values):\n    ');
    const suffix = suffixText(arTokenizer, suffixTokens, 100 + variant * 7, '\n    return total\n\n\n');
    return { prefix, suffix };
  };
  const main = request(0);
  const candidates = CANDIDATES.slice(0, shape.scoreCandidates);
  const maskId = diffusion.manifest.special_ids.mask;
  if (maskId === null) throw new Error(`${diffusionModelDir}: the diffusion model has no mask id`);
  return {
    shape,
    padId: ar.manifest.special_ids.pad,
    ar: {
      ...main,
      promptIds: prompts.build(main.prefix, main.suffix).ids,
      newTokens: shape.newTokens,
      concurrent: Array.from({ length: shape.concurrency }, (_, i) => {
        const r = request(i + 1);
        return { ...r, promptIds: prompts.build(r.prefix, r.suffix).ids };
      }),
      scoreCandidates: candidates,
      scoreCandidateIds: candidates.map((c) => arTokenizer.encode(c)),
    },
    diffusion: {
      ...main,
      prefixIds: diffusionTokenizer.encode(main.prefix),
      suffixIds: diffusionTokenizer.encode(main.suffix),
      maskId,
      middleLength: shape.middleLength,
      steps: shape.steps,
      scoreCandidates: candidates,
      scoreCandidateIds: candidates.map((c) => diffusionTokenizer.encode(c)),
    },
  };
}
