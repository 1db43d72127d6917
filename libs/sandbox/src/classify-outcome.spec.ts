import { classifyOutcome, lastNonEmptyLine } from './classify-outcome';
import type { ProcessOutcome } from './run-process';

const outcome = (overrides: Partial<ProcessOutcome>): ProcessOutcome => ({
  exitCode: 0,
  signal: null,
  timedOut: false,
  stdout: '',
  stderr: '',
  outputTruncated: false,
  durationMs: 12,
  ...overrides,
});
const sandboxed = { timeoutMs: 3000, maxOutputBytes: 100, exitCodeEncodesSignal: true };

describe('classifyOutcome', () => {
  it('exit 0 passes without an error', () => {
    expect(classifyOutcome(outcome({}), sandboxed)).toEqual({
      status: 'passed',
      durationMs: 12,
      stdout: '',
      stderr: '',
      outputTruncated: false,
    });
  });

  it("a failure's error is the last non-empty stderr line", () => {
    const stderr =
      'Traceback (most recent call last):\n  File "<stdin>", line 3\nNameError: name \'x\' is not defined\n\n';
    const result = classifyOutcome(outcome({ exitCode: 1, stderr }), sandboxed);
    expect(result).toMatchObject({ status: 'failed', error: "NameError: name 'x' is not defined" });
  });

  it('describes a silent non-zero exit and a signal bwrap reported as 128 + N', () => {
    expect(classifyOutcome(outcome({ exitCode: 3 }), sandboxed).error).toBe('Exited with code 3');
    expect(classifyOutcome(outcome({ exitCode: 139 }), sandboxed).error).toBe('Killed by SIGSEGV');
    expect(
      classifyOutcome(outcome({ exitCode: 139 }), { ...sandboxed, exitCodeEncodesSignal: false }).error,
    ).toBe('Exited with code 139');
  });

  it('counts SIGXCPU (the CPU rlimit) and the wall clock as timed_out', () => {
    expect(classifyOutcome(outcome({ exitCode: 128 + 24 }), sandboxed)).toMatchObject({
      status: 'timed_out',
      error: 'CPU time limit exceeded (SIGXCPU)',
    });
    expect(
      classifyOutcome(outcome({ exitCode: null, signal: 'SIGKILL', timedOut: true }), sandboxed),
    ).toMatchObject({ status: 'timed_out', error: 'Timed out after 3000 ms (wall clock)' });
  });

  it('fails a run stopped for too much output, and one that could not start', () => {
    expect(classifyOutcome(outcome({ outputExceeded: 'stdout', exitCode: null }), sandboxed).error).toBe(
      'Output limit exceeded: more than 100 bytes on stdout',
    );
    const spawnError = Object.assign(new Error('spawn /nope ENOENT'), { code: 'ENOENT' });
    expect(classifyOutcome(outcome({ spawnError, exitCode: null }), sandboxed)).toMatchObject({
      status: 'failed',
      error: 'Failed to start the runner: spawn /nope ENOENT',
    });
  });

  it('lastNonEmptyLine handles CRLF and empty text', () => {
    expect(lastNonEmptyLine('a\r\nb\r\n\r\n')).toBe('b');
    expect(lastNonEmptyLine('  \n')).toBeUndefined();
  });
});
