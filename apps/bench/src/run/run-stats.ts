import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { mean, quantile } from '@ensemble/evaluation';
import type { PhaseTimings } from '@ensemble/proto';

export const TIMINGS_FILE = 'timings.jsonl';

interface TimingLine {
  task_id: string;
  generate_ms: number;
  score_ms: number;
  select_ms: number;
  total_ms: number;
}

/** Per-task phase timings, appended as tasks finish (kept apart from predictions.jsonl, which must be deterministic). */
export function appendTiming(file: string, taskId: string, timings: PhaseTimings | undefined): void {
  if (!timings) return;
  const line: TimingLine = {
    task_id: taskId,
    generate_ms: timings.generateMs,
    score_ms: timings.scoreMs,
    select_ms: timings.selectMs,
    total_ms: timings.totalMs,
  };
  appendFileSync(file, JSON.stringify(line) + '\n');
}

/** stats.json: latency distribution per phase (last timing per task wins), wall time and throughput per segment. */
export function runStats(
  timingsFile: string,
  segments: Array<{ wallMs: number; tasks: number }>,
  counts: { tasks: number; ok: number; failed: number },
): Record<string, unknown> {
  const latest = new Map<string, TimingLine>();
  if (existsSync(timingsFile)) {
    for (const line of readFileSync(timingsFile, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        const timing = JSON.parse(line) as TimingLine;
        latest.set(timing.task_id, timing);
      } catch {
        // a line torn by a kill: that task was re-run and has a later line
      }
    }
  }
  const phases = ['generate_ms', 'score_ms', 'select_ms', 'total_ms'] as const;
  const timings = [...latest.values()];
  const latency = Object.fromEntries(
    phases.map((phase) => {
      const values = timings.map((t) => t[phase]);
      return [
        phase,
        values.length
          ? {
              mean: mean(values),
              p50: quantile(values, 0.5),
              p95: quantile(values, 0.95),
              max: Math.max(...values),
            }
          : null,
      ];
    }),
  );
  const wallMs = segments.reduce((sum, s) => sum + s.wallMs, 0);
  const streamed = segments.reduce((sum, s) => sum + s.tasks, 0);
  return {
    ...counts,
    latencyMs: latency,
    segments,
    wallMs,
    tasksPerSecond: wallMs > 0 ? (1000 * streamed) / wallMs : null,
  };
}
