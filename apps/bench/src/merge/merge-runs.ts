import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { PredictionRecord } from '@ensemble/evaluation';
import { FinishOptions, finishRun } from '../results/finish-run';
import { RunFolder } from '../results/run-folder';
import { RunConfig, identityMismatch } from '../run/run-config';
import { UsageError } from '../usage-error';
import { TIMINGS_FILE } from '../run/run-stats';

export interface MergeOptions extends FinishOptions {
  out: string;
  shards: string[];
}

/**
 * `bench merge`: the run folders of one sharded run (same settings, shard 0..n-1 of the same n, each complete)
 * become one run folder, judged and reported as if it had run unsharded: predictions.jsonl in dataset order,
 * metrics.json, stats.json (all shards' timings) and report.html.
 */
export async function mergeRuns(options: MergeOptions): Promise<RunFolder> {
  const shards = options.shards.map((dir) => {
    const folder = new RunFolder(dir);
    const config = folder.readJson<RunConfig>('config.json');
    if (!config) throw new UsageError(`${dir}: no config.json; is it a bench run folder?`);
    return { folder, config };
  });
  if (shards.length === 0) throw new UsageError('give the shard run folders to merge');
  const [first] = shards;
  const count = first.config.slice.shardCount ?? 1;
  const seen = new Map<number, string>();
  for (const { folder, config } of shards) {
    const shardIndex = config.slice.shardIndex ?? 0;
    const unsharded = { ...config, slice: { ...config.slice, shardIndex: 0 } };
    const mismatch = identityMismatch(
      { ...first.config, slice: { ...first.config.slice, shardIndex: 0 } },
      unsharded,
    );
    if (mismatch)
      throw new UsageError(
        `${folder.dir} is not a shard of the same run as ${first.folder.dir}: ${mismatch}`,
      );
    if (seen.has(shardIndex)) {
      throw new UsageError(`shard ${shardIndex} given twice: ${seen.get(shardIndex)} and ${folder.dir}`);
    }
    seen.set(shardIndex, folder.dir);
  }
  const absent = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (absent.length) throw new UsageError(`shards ${absent.join(', ')} of ${count} are missing`);

  const records = new Map<string, PredictionRecord>();
  for (const { folder } of shards) {
    for (const [id, record] of folder.readPredictions()) {
      if (records.has(id)) throw new UsageError(`task ${id} appears in two shards (${folder.dir})`);
      records.set(id, record);
    }
  }
  const out = RunFolder.open(options.out);
  if (out.exists('predictions.jsonl')) throw new UsageError(`${out.dir} already holds a run`);
  const { shardIndex: _index, shardCount: _count, ...slice } = first.config.slice;
  const config: RunConfig = {
    ...first.config,
    slice,
    runId: basename(options.out),
    segments: shards.flatMap((s) => s.config.segments),
  };
  for (const { folder } of shards) {
    const timings = folder.path(TIMINGS_FILE);
    if (existsSync(timings)) appendFileSync(out.path(TIMINGS_FILE), readFileSync(timings));
  }
  const merged = out.finalizePredictions(records.values());
  options.log(`bench: merged ${shards.length} shards: ${merged.length} tasks into ${out.dir}`);
  out.writeJson('config.json', config);
  await finishRun(out, config, merged, undefined, options);
  return out;
}
