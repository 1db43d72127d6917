import { availableParallelism } from 'node:os';
import type { ProgramExecutor } from '@ensemble/evaluation';
import { PythonSandbox, SandboxPool } from '@ensemble/sandbox';

export interface ExecutorOptions {
  /** Run generated code without bwrap (only in a container that is itself the sandbox). */
  unsafeNoSandbox: boolean;
  /** Programs at once; default: the CPU count. */
  parallelism?: number;
  /** Per-program wall clock; HumanEval's rule is 3 s. */
  timeoutMs?: number;
  log: (line: string) => void;
}

/**
 * The sandbox that runs HumanEval programs, proven to work before any generated code runs (a missing bwrap is an
 * error with the install command, never a silent unsandboxed run), behind a bounded pool.
 */
export async function createExecutor(options: ExecutorOptions): Promise<ProgramExecutor & { mode: string }> {
  const sandbox = await PythonSandbox.create({
    unsafeNoSandbox: options.unsafeNoSandbox,
    limits: options.timeoutMs ? { timeoutMs: options.timeoutMs } : undefined,
  });
  if (sandbox.mode === 'unsafe-no-sandbox') {
    options.log(
      'bench: WARNING: --unsafe-no-sandbox: generated code runs without bwrap, with only resource limits; ' +
        'use this only inside a container that is itself the sandbox',
    );
  }
  const pool = new SandboxPool(sandbox, { parallelism: options.parallelism ?? availableParallelism() });
  return { mode: sandbox.mode, run: (program) => pool.run(program) };
}
