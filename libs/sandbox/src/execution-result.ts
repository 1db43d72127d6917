/** How one program run ended: exit 0, any other exit (exception, signal, limit), or the wall clock ran out. */
export type ExecutionStatus = 'passed' | 'failed' | 'timed_out';

export interface ExecutionResult {
  status: ExecutionStatus;
  /**
   * Why it did not pass: the last non-empty line of stderr (e.g. `AssertionError`,
   * `NameError: name 'x' is not defined`), or a description of the limit that stopped it. Absent when passed.
   */
  error?: string;
  /** Wall-clock time from spawn to the last output pipe closing. */
  durationMs: number;
  /** The first `maxOutputBytes` bytes of stdout. */
  stdout: string;
  /** The last `maxOutputBytes` bytes of stderr (the end holds the traceback's exception line). */
  stderr: string;
  /** True when stdout or stderr went over `maxOutputBytes` (the run was stopped and counts as failed). */
  outputTruncated: boolean;
}

export interface RunOptions {
  /** Wall-clock limit for this run, overriding the runner's default. */
  timeoutMs?: number;
}

/** Anything that runs a Python program and reports how it ended: the sandbox, the unsafe runner, test doubles. */
export interface PythonRunner {
  run(program: string, options?: RunOptions): Promise<ExecutionResult>;
}
