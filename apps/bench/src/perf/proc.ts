import { readdirSync, readFileSync, statSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

export interface ProcessMemory {
  rssBytes: number;
  peakRssBytes: number;
  /** Of the current RSS: anonymous memory (heap, prepacked weights, arenas) — what the process really costs. */
  rssAnonBytes: number;
  /** Of the current RSS: file-backed pages (memory-mapped weights), which the kernel can drop and re-read. */
  rssFileBytes: number;
}

/** Current and peak resident set size of a process, in bytes, from /proc (Linux). */
export function memoryOf(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
    if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return {
    rssBytes: field('VmRSS'),
    peakRssBytes: field('VmHWM'),
    rssAnonBytes: field('RssAnon'),
    rssFileBytes: field('RssFile'),
  };
}

/** Child processes of `parent` whose command line contains `needle` (e.g. a server's main.js path). */
export function childPids(parent: number, needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // Field 4 (ppid) follows the parenthesised command name, which may itself contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== parent) continue;
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}

/** Bytes of the files that hold a model directory's weights (the graph plus its external data, if any). */
export function weightsBytes(modelDir: string): number {
  const manifest = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as {
    graph: { file: string };
  };
  return readdirSync(modelDir)
    .filter((name) => name === manifest.graph.file || name.startsWith(`${manifest.graph.file}.`))
    .reduce((sum, name) => sum + statSync(join(modelDir, name)).size, 0);
}

export interface MachineInfo {
  cpuModel: string;
  cpus: number;
  memTotalBytes: number;
  node: string;
  platform: string;
  loadAverage: number[];
}

export function machineInfo(): MachineInfo {
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    memTotalBytes: totalmem(),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadAverage: loadavg(),
  };
}
