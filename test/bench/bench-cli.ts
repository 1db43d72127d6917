import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(__dirname, '..', '..');
const BENCH = join(ROOT, 'dist', 'apps', 'bench', 'src', 'main.js');

export interface BenchResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The built `bench` CLI as a child process, as a user runs it (`npm run bench -- ...`). */
export function startBench(
  args: string[],
  env: Record<string, string> = {},
): {
  child: ChildProcess;
  done: Promise<BenchResult>;
} {
  const child = spawn(process.execPath, [BENCH, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const done = new Promise<BenchResult>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

export function bench(args: string[], env: Record<string, string> = {}): Promise<BenchResult> {
  return startBench(args, env).done;
}

/** The data directory the tests read (CI points ENSEMBLE_DATA_DIR at ../shared/data). */
export function dataDir(): string {
  const dir = process.env.ENSEMBLE_DATA_DIR;
  if (!dir) throw new Error('ENSEMBLE_DATA_DIR must point at the shared data directory (CI sets it)');
  return dir;
}
