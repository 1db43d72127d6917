import { detectSandbox, detectUnsafeRunner } from './detect-sandbox';
import { executeSandboxed, executeUnsandboxed } from './execute';
import type { ExecutionResult, PythonRunner, RunOptions } from './execution-result';
import { type SandboxLimits, checkTimeoutMs, resolveLimits } from './limits';
import type { ToolLookupOptions, ToolPaths } from './tool-paths';

export type SandboxMode = 'sandboxed' | 'unsafe-no-sandbox';

export interface PythonSandboxOptions extends ToolLookupOptions {
  /** Defaults: {@link DEFAULT_LIMITS}. */
  limits?: Partial<SandboxLimits>;
  /**
   * UNSAFE: run python3 directly as the current user with the host's filesystem and network, only rlimits, the
   * wall clock and the process-group kill. Only for a container that is itself the sandbox; never a fallback.
   */
  unsafeNoSandbox?: boolean;
}

/**
 * Runs untrusted Python programs (e.g. HumanEval completions): each run in a fresh bwrap sandbox as uid 65534
 * with no network, a read-only /usr, a private tmpfs /tmp, rlimits and a wall-clock kill. Create it with
 * {@link PythonSandbox.create}, which proves the sandbox works before any untrusted code runs.
 */
export class PythonSandbox implements PythonRunner {
  private constructor(
    readonly mode: SandboxMode,
    readonly limits: SandboxLimits,
    private readonly tools: Partial<ToolPaths> & Pick<ToolPaths, 'prlimit' | 'python3'>,
    /** `sys.version` of the python3 that runs the programs. */
    readonly pythonVersion: string,
  ) {}

  /** Detects the tools and probes a real run; throws {@link SandboxUnavailableError} when that fails. */
  static async create(options: PythonSandboxOptions = {}): Promise<PythonSandbox> {
    const limits = resolveLimits(options.limits);
    if (options.unsafeNoSandbox === true) {
      const unsafe = await detectUnsafeRunner(options);
      return new PythonSandbox('unsafe-no-sandbox', limits, unsafe.tools, unsafe.pythonVersion);
    }
    const detected = await detectSandbox(options);
    return new PythonSandbox('sandboxed', limits, detected.tools, detected.pythonVersion);
  }

  /** Runs one program (source via stdin). Never rejects for anything the program does. */
  async run(program: string, options: RunOptions = {}): Promise<ExecutionResult> {
    const timeoutMs = checkTimeoutMs(options.timeoutMs ?? this.limits.timeoutMs);
    if (this.mode === 'unsafe-no-sandbox') {
      return executeUnsandboxed(this.tools, this.limits, program, timeoutMs);
    }
    return executeSandboxed(this.tools as ToolPaths, this.limits, program, timeoutMs);
  }
}
