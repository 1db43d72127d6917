import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyOutcome } from './classify-outcome';
import { SANDBOX_UID, sandboxedCommand, unsafeCommand } from './command';
import type { ExecutionResult } from './execution-result';
import type { SandboxLimits } from './limits';
import { runProcess } from './run-process';
import type { ToolPaths } from './tool-paths';

/**
 * Source text as bytes for stdin. Lone surrogates become U+FFFD and NUL bytes pass through: Python rejects or
 * accepts them itself, the host never chokes on them.
 */
function sourceBytes(program: string): Buffer {
  return Buffer.from(program, 'utf8');
}

/**
 * RLIMIT_NPROC counts every process of uid 65534 on the host, so a fork bomb in one run can make a concurrent
 * run's exec of python3 fail before the program started. That run never executed, so retrying it is safe; the
 * budget outlasts several bombs in a row that each survive until their own time-out.
 */
const NPROC_RETRY_BUDGET_MS = 30000;
const nprocRetryDelayMs = (attempt: number): number => Math.min(1000, 50 * 2 ** attempt);
const EXEC_BLOCKED = /^setpriv: failed to execute \S+: Resource temporarily unavailable$/;

function execBlockedByNproc(result: ExecutionResult): boolean {
  return result.status === 'failed' && result.stdout === '' && EXEC_BLOCKED.test(result.stderr.trim());
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One run inside bwrap as uid 65534; the host side needs no writable directory at all. */
export async function executeSandboxed(
  tools: ToolPaths,
  limits: SandboxLimits,
  program: string,
  timeoutMs: number,
): Promise<ExecutionResult> {
  const input = sourceBytes(program);
  const context = { timeoutMs, maxOutputBytes: limits.maxOutputBytes, exitCodeEncodesSignal: true };
  let waitedMs = 0;
  for (let attempt = 0; ; attempt++) {
    const outcome = await runProcess({
      command: sandboxedCommand(tools, limits, timeoutMs),
      input,
      timeoutMs,
      maxOutputBytes: limits.maxOutputBytes,
      cwd: '/',
      env: {},
    });
    const result = classifyOutcome(outcome, context);
    if (!execBlockedByNproc(result)) return result;
    if (waitedMs >= NPROC_RETRY_BUDGET_MS) {
      return {
        ...result,
        error:
          `${result.error} (uid ${SANDBOX_UID} stayed at its process limit for ${waitedMs} ms; ` +
          'a concurrent run is probably a fork bomb)',
      };
    }
    await sleep(nprocRetryDelayMs(attempt));
    waitedMs += nprocRetryDelayMs(attempt);
  }
}

/**
 * UNSAFE: one run of python3 directly as the current user, in a fresh temporary working directory with an empty
 * environment; only rlimits, the wall clock and the process-group kill apply.
 */
export async function executeUnsandboxed(
  tools: Pick<ToolPaths, 'prlimit' | 'python3'>,
  limits: SandboxLimits,
  program: string,
  timeoutMs: number,
): Promise<ExecutionResult> {
  const cwd = await mkdtemp(join(tmpdir(), 'unsafe-python-'));
  try {
    const outcome = await runProcess({
      command: unsafeCommand(tools, limits, timeoutMs),
      input: sourceBytes(program),
      timeoutMs,
      maxOutputBytes: limits.maxOutputBytes,
      cwd,
      env: {},
    });
    return classifyOutcome(outcome, {
      timeoutMs,
      maxOutputBytes: limits.maxOutputBytes,
      exitCodeEncodesSignal: false,
    });
  } finally {
    await rm(cwd, { recursive: true, force: true });
  }
}
