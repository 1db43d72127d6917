import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { CappedBuffer } from './capped-buffer';
import type { Command } from './command';

export interface ProcessRun {
  command: Command;
  /** Sent on stdin, then stdin is closed. */
  input: Buffer;
  timeoutMs: number;
  maxOutputBytes: number;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** What happened to the process, before any interpretation as passed/failed. */
export interface ProcessOutcome {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  /** Which stream went over the cap first (the run was then killed). */
  outputExceeded?: 'stdout' | 'stderr';
  /** The process could not be started at all (e.g. ENOENT). */
  spawnError?: Error;
  stdout: string;
  stderr: string;
  outputTruncated: boolean;
  durationMs: number;
}

/** After a kill, how long to wait for the pipes to close before giving up on them (a stray holder). */
const CLOSE_GRACE_MS = 1000;

/** SIGKILL a whole process group; it may already be gone. */
export function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // ESRCH: nothing left in the group.
  }
}

/**
 * Spawns `command` as the leader of a new process group (detached), feeds it `input`, captures capped output and
 * SIGKILLs the whole group on time-out, on too much output and once the leader exits (so nothing it left behind
 * in its group survives). Resolves when the output pipes close; never rejects.
 */
export function runProcess(run: ProcessRun): Promise<ProcessOutcome> {
  const started = performance.now();
  const stdout = new CappedBuffer(run.maxOutputBytes, 'head');
  const stderr = new CappedBuffer(run.maxOutputBytes, 'tail');
  let timedOut = false;
  let outputExceeded: ProcessOutcome['outputExceeded'];
  let spawnError: Error | undefined;
  let exitCode: number | null = null;
  let signal: NodeJS.Signals | null = null;

  return new Promise((resolve) => {
    const child = spawn(run.command.file, run.command.args, {
      cwd: run.cwd,
      env: run.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });

    let settled = false;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(wallClock);
      clearTimeout(graceTimer);
      killGroup(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        exitCode,
        signal,
        timedOut,
        outputExceeded,
        spawnError,
        stdout: stdout.toString(),
        stderr: stderr.toString(),
        outputTruncated: stdout.overflowed || stderr.overflowed,
        durationMs: performance.now() - started,
      });
    };
    const stop = (): void => {
      killGroup(child.pid);
      graceTimer ??= setTimeout(finish, CLOSE_GRACE_MS);
    };

    const wallClock = setTimeout(() => {
      timedOut = true;
      stop();
    }, run.timeoutMs);

    const collect = (buffer: CappedBuffer, stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      buffer.push(chunk);
      if (buffer.overflowed && outputExceeded === undefined && !timedOut) {
        outputExceeded = stream;
        stop();
      }
    };
    child.stdout.on('data', collect(stdout, 'stdout'));
    child.stderr.on('data', collect(stderr, 'stderr'));

    // EPIPE when the program exits (or fails to start) before reading all of its source: not our problem.
    child.stdin.on('error', () => undefined);
    child.stdin.end(run.input);

    child.on('error', (error) => {
      spawnError = error;
      finish();
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      signal = sig;
      killGroup(child.pid);
    });
    child.on('close', finish);
  });
}
