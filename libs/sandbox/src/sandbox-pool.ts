import { availableParallelism } from 'node:os';
import type { ExecutionResult, PythonRunner, RunOptions } from './execution-result';

export interface SandboxPoolOptions {
  /** Most runs at once. Default: the number of CPUs. */
  parallelism?: number;
}

/**
 * Bounded parallelism over a runner: at most `parallelism` programs run at once, the rest wait in FIFO order.
 * Every call gets exactly its own result.
 */
export class SandboxPool implements PythonRunner {
  readonly parallelism: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly runner: PythonRunner,
    options: SandboxPoolOptions = {},
  ) {
    this.parallelism = options.parallelism ?? availableParallelism();
    if (!Number.isInteger(this.parallelism) || this.parallelism < 1) {
      throw new RangeError(`parallelism must be a positive integer, got ${this.parallelism}`);
    }
  }

  /** Runs once a slot is free. */
  async run(program: string, options?: RunOptions): Promise<ExecutionResult> {
    await this.acquire();
    try {
      return await this.runner.run(program, options);
    } finally {
      this.release();
    }
  }

  /** results[i] is the result of programs[i]. */
  runAll(programs: readonly string[], options?: RunOptions): Promise<ExecutionResult[]> {
    return Promise.all(programs.map((program) => this.run(program, options)));
  }

  private acquire(): Promise<void> {
    if (this.active < this.parallelism) {
      this.active++;
      return Promise.resolve();
    }
    // The releasing run hands its slot over directly, so `active` never drops below the true count.
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}
