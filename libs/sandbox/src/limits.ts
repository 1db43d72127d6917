/** Resource limits applied to every run (rlimits via prlimit, plus the host-side wall clock and output caps). */
export interface SandboxLimits {
  /** Wall clock; then the whole process group is SIGKILLed. HumanEval's rule is 3 s. */
  timeoutMs: number;
  /** RLIMIT_CPU soft limit in seconds; default ceil(timeout) + 1 so the wall clock normally fires first. */
  cpuSeconds?: number;
  /** RLIMIT_AS: big allocations fail with MemoryError inside instead of pressuring the host. */
  addressSpaceBytes: number;
  /** RLIMIT_NPROC for uid 65534 (only enforced because the program does not run as root). */
  maxProcesses: number;
  /** RLIMIT_FSIZE: largest file the program may write. */
  maxFileSizeBytes: number;
  /** RLIMIT_NOFILE. */
  maxOpenFiles: number;
  /** Size of the private tmpfs mounted at /tmp (it lives in host RAM while the run lasts). */
  tmpfsBytes: number;
  /** Per stream cap on captured output; going over stops the run (a print loop must not eat host memory). */
  maxOutputBytes: number;
}

export const DEFAULT_LIMITS: Readonly<SandboxLimits> = Object.freeze({
  timeoutMs: 3000,
  addressSpaceBytes: 1024 * 1024 * 1024,
  maxProcesses: 32,
  maxFileSizeBytes: 10 * 1024 * 1024,
  maxOpenFiles: 64,
  tmpfsBytes: 32 * 1024 * 1024,
  maxOutputBytes: 1024 * 1024,
});

/** Node timers silently turn delays above 2^31 - 1 ms into 1 ms, so larger time-outs are refused. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export function checkTimeoutMs(timeoutMs: number): number {
  if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMER_MS)) {
    throw new RangeError(`timeoutMs must be > 0 and <= ${MAX_TIMER_MS}, got ${timeoutMs}`);
  }
  return timeoutMs;
}

export function resolveLimits(overrides: Partial<SandboxLimits> = {}): SandboxLimits {
  // An explicit `undefined` keeps the default instead of erasing it.
  const given = Object.fromEntries(Object.entries(overrides).filter(([, value]) => value !== undefined));
  const limits: SandboxLimits = { ...DEFAULT_LIMITS, ...given };
  for (const [key, value] of Object.entries(limits)) {
    // prlimit and bwrap take whole numbers only.
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
      throw new RangeError(`sandbox limit ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  checkTimeoutMs(limits.timeoutMs);
  return limits;
}

export function cpuSecondsFor(limits: SandboxLimits, timeoutMs: number): number {
  return limits.cpuSeconds ?? Math.ceil(timeoutMs / 1000) + 1;
}

/**
 * prlimit arguments. CPU gets a hard limit one second above the soft one so the program receives SIGXCPU
 * (reported as a time-out) rather than an anonymous SIGKILL.
 */
export function prlimitArgs(limits: SandboxLimits, timeoutMs: number): string[] {
  const cpu = cpuSecondsFor(limits, timeoutMs);
  return [
    `--cpu=${cpu}:${cpu + 1}`,
    `--as=${limits.addressSpaceBytes}`,
    `--nproc=${limits.maxProcesses}`,
    `--fsize=${limits.maxFileSizeBytes}`,
    `--nofile=${limits.maxOpenFiles}`,
  ];
}
