import { constants } from 'node:os';
import type { ExecutionResult } from './execution-result';
import type { ProcessOutcome } from './run-process';

/** The last non-empty line of stderr, trimmed: a traceback's exception line, e.g. `AssertionError`. */
export function lastNonEmptyLine(text: string): string | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i].trim();
    if (line.length > 0) return line;
  }
  return undefined;
}

function signalName(signo: number): string {
  const entry = Object.entries(constants.signals).find(([, value]) => value === signo);
  return entry ? entry[0] : `signal ${signo}`;
}

/**
 * The signal that ended the program, if any. bwrap reports a program killed by signal N as exit code 128 + N
 * (its own init waited for it), so under bwrap both forms count.
 */
function terminatingSignal(outcome: ProcessOutcome, exitCodeEncodesSignal: boolean): string | undefined {
  if (outcome.signal) return outcome.signal;
  if (
    exitCodeEncodesSignal &&
    outcome.exitCode !== null &&
    outcome.exitCode > 128 &&
    outcome.exitCode <= 192
  ) {
    return signalName(outcome.exitCode - 128);
  }
  return undefined;
}

/** Turns what the process did into passed / failed / timed_out with a precise reason. */
export function classifyOutcome(
  outcome: ProcessOutcome,
  context: { timeoutMs: number; maxOutputBytes: number; exitCodeEncodesSignal: boolean },
): ExecutionResult {
  const base = {
    durationMs: outcome.durationMs,
    stdout: outcome.stdout,
    stderr: outcome.stderr,
    outputTruncated: outcome.outputTruncated,
  };
  if (outcome.spawnError) {
    return { ...base, status: 'failed', error: `Failed to start the runner: ${outcome.spawnError.message}` };
  }
  if (outcome.timedOut) {
    return { ...base, status: 'timed_out', error: `Timed out after ${context.timeoutMs} ms (wall clock)` };
  }
  if (outcome.outputExceeded) {
    return {
      ...base,
      status: 'failed',
      error: `Output limit exceeded: more than ${context.maxOutputBytes} bytes on ${outcome.outputExceeded}`,
    };
  }
  const signal = terminatingSignal(outcome, context.exitCodeEncodesSignal);
  if (signal === 'SIGXCPU') {
    return { ...base, status: 'timed_out', error: 'CPU time limit exceeded (SIGXCPU)' };
  }
  if (outcome.exitCode === 0 && !signal) return { ...base, status: 'passed' };
  const described = signal ? `Killed by ${signal}` : `Exited with code ${outcome.exitCode}`;
  return { ...base, status: 'failed', error: lastNonEmptyLine(outcome.stderr) ?? described };
}
