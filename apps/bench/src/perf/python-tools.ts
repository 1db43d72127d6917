import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lastJson, runChild } from './child-process';
import { repoRoot } from './model-cache';
import type { PerfWorkload } from './workload';

/** tools/perf/hf_anchor.py's output (snake_case, as Python writes it). */
export interface HfResult {
  stack: string;
  threads: number;
  load_ms: number;
  peak_rss_bytes: number;
  ar?: {
    ttft_ms: number[];
    generate_ms: number[];
    decode_ms_per_token: number[];
    generated_tokens: number;
    concurrent_ms: number[];
    concurrent_tokens: number;
    score_ms: number[];
    score_candidates: number;
  };
  diffusion?: {
    canvas_tokens: number;
    masked: number;
    step_full_ms: number[];
    step_restricted_ms: number[];
    infill_ms: number[];
    infill_forwards: number;
    score_ms: number[];
    score_candidates: number;
  };
}

export interface BandwidthResult {
  gb_per_s: number;
  median_gb_per_s: number;
  samples_gb_per_s: number[];
  method: string;
  by_method_best_gb_per_s: Record<string, number>;
  bytes: number;
  threads: number;
}

/** The workload in the form hf_anchor.py reads (the same token ids the floor and the servers process). */
export function writeAnchorWorkload(file: string, workload: PerfWorkload, threads: number): void {
  const { ar, diffusion, shape } = workload;
  const reps = shape.reps.anchor;
  writeFileSync(
    file,
    JSON.stringify({
      threads,
      pad_id: workload.padId,
      ar: {
        prompt_ids: ar.promptIds,
        new_tokens: ar.newTokens,
        concurrent_prompt_ids: ar.concurrent.map((r) => r.promptIds),
        score_prompt_ids: ar.promptIds,
        score_candidate_ids: ar.scoreCandidateIds,
        ttft_reps: reps.ttft,
        decode_reps: reps.decode,
        concurrent_reps: reps.concurrent,
        score_reps: reps.score,
      },
      diffusion: {
        prefix_ids: diffusion.prefixIds,
        suffix_ids: diffusion.suffixIds,
        mask_id: diffusion.maskId,
        middle_length: diffusion.middleLength,
        steps: diffusion.steps,
        step_forwards: reps.stepForwards,
        infill_reps: reps.infill,
        score_candidate_ids: diffusion.scoreCandidateIds,
        score_reps: reps.score,
      },
    }),
  );
}

export async function runHfAnchor(
  python: string,
  checkpoint: string,
  workloadFile: string,
  parts: 'ar' | 'diffusion',
  log: (line: string) => void,
): Promise<HfResult> {
  const script = join(repoRoot(), 'tools', 'perf', 'hf_anchor.py');
  const { stdout } = await runChild(
    python,
    [script, '--checkpoint', checkpoint, '--workload', workloadFile, '--parts', parts],
    { onLine: (line) => log(`  ${line}`) },
  );
  return lastJson<HfResult>(stdout);
}

/** The machine's memory read bandwidth right now (tools/perf/bandwidth.py). */
export async function measureBandwidth(python: string, gigabytes: number): Promise<BandwidthResult> {
  const script = join(repoRoot(), 'tools', 'perf', 'bandwidth.py');
  const { stdout } = await runChild(python, [script, '--gb', String(gigabytes)]);
  return lastJson<BandwidthResult>(stdout);
}
