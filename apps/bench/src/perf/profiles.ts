import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

/** One row of a profile summary: where the time went. */
export interface ProfileEntry {
  name: string;
  ms: number;
  share: number;
}

export interface ProfileSummary {
  file: string;
  kind: 'node-cpu' | 'onnxruntime';
  totalMs: number;
  top: ProfileEntry[];
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

interface CpuProfile {
  nodes: CpuProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const top = (totals: Map<string, number>, all: number, count: number): ProfileEntry[] =>
  [...totals.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, ms]) => ({ name, ms, share: all > 0 ? ms / all : 0 }));

/**
 * Self time per function of a V8 CPU profile (`node --cpu-prof`) of a server's main thread. onnxruntime-node runs
 * forwards off the main thread, so inference shows up as `(idle)`; everything else is our JavaScript (sampling, KV
 * cache copies, tokenisation, gRPC, logging) or V8 itself (`(garbage collector)`).
 */
export function summariseCpuProfile(file: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const totals = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return;
    const where = frame.url ? ` ${basename(frame.url)}:${frame.lineNumber + 1}` : '';
    const name = `${frame.functionName || '(anonymous)'}${where}`;
    totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  });
  const all = (profile.endTime - profile.startTime) / 1000;
  return { file, kind: 'node-cpu', totalMs: all, top: top(totals, all, count) };
}

interface OrtEvent {
  cat: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

/** Time per operator type in an onnxruntime profile (session option enableProfiling), kernel events only. */
export function summariseOrtProfile(file: string, count = 12): ProfileSummary {
  const events = JSON.parse(readFileSync(file, 'utf8')) as OrtEvent[];
  const totals = new Map<string, number>();
  let all = 0;
  for (const event of events) {
    if (event.cat !== 'Node' || !event.name.endsWith('_kernel_time')) continue;
    const op = event.args?.op_name ?? event.name;
    totals.set(op, (totals.get(op) ?? 0) + event.dur / 1000);
    all += event.dur / 1000;
  }
  return { file, kind: 'onnxruntime', totalMs: all, top: top(totals, all, count) };
}

/** Summaries of every profile written into `dir` (.cpuprofile from node, onnxruntime_profile*.json). */
export function summariseProfiles(dir: string): ProfileSummary[] {
  if (!existsSync(dir)) return [];
  const summaries: ProfileSummary[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    try {
      if (name.endsWith('.cpuprofile')) summaries.push(summariseCpuProfile(file));
      else if (name.endsWith('.json') && name.includes('onnxruntime'))
        summaries.push(summariseOrtProfile(file));
    } catch {
      // a truncated profile (process killed) is skipped
    }
  }
  return summaries;
}

export function profilesMarkdown(summaries: ProfileSummary[]): string {
  return summaries
    .map((s) => {
      const rows = s.top.map(
        (e) => `| ${e.name.replace(/\|/g, '\\|')} | ${e.ms.toFixed(0)} | ${(e.share * 100).toFixed(1)}% |`,
      );
      const what = s.kind === 'node-cpu' ? 'self time, main thread' : 'kernel time by operator';
      return [
        `### ${basename(s.file)} (${what}, ${(s.totalMs / 1000).toFixed(1)} s)`,
        '',
        '| where | ms | share |',
        '| --- | --- | --- |',
        ...rows,
        '',
      ].join('\n');
    })
    .join('\n');
}
