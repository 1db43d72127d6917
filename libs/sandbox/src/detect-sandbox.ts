import { realpathSync } from 'node:fs';
import { SANDBOX_GID, SANDBOX_UID } from './command';
import { executeSandboxed, executeUnsandboxed } from './execute';
import type { ExecutionResult } from './execution-result';
import { type SandboxLimits, resolveLimits } from './limits';
import { SANDBOX_INSTALL_HINT, SandboxUnavailableError } from './sandbox-unavailable-error';
import { type ToolLookupOptions, type ToolName, type ToolPaths, findTools } from './tool-paths';

export interface SandboxDetectionOptions extends ToolLookupOptions {
  limits?: Partial<SandboxLimits>;
}

export interface SandboxDetection {
  tools: ToolPaths;
  /** `sys.version` of the python3 inside the sandbox. */
  pythonVersion: string;
  /** Wall time of the probe run (one sandbox start-up, python start-up and exit). */
  probeMs: number;
}

const PACKAGE_OF: Record<ToolName, string> = {
  bwrap: 'bubblewrap',
  setpriv: 'util-linux',
  prlimit: 'util-linux',
  python3: 'python3',
};

/** Prints the identity and version the probe checks; exit 0 proves the whole chain works. */
const PROBE = 'import os, sys\nprint(os.getuid(), os.getgid())\nprint(sys.version.split()[0])\n';

/** The probe may be slow on a cold cache; it is not subject to the per-run limit. */
const PROBE_TIMEOUT_MS = 15000;

const NAMESPACE_FIX =
  'bwrap must be able to create net/pid/ipc/uts namespaces and setpriv must be able to switch to uid 65534, so ' +
  'run as root (or with CAP_SYS_ADMIN and CAP_SETUID); in a container that usually needs ' +
  '`--security-opt seccomp=unconfined` or `--privileged`; check `sysctl user.max_user_namespaces` > 0. If a tool ' +
  `is missing: \`${SANDBOX_INSTALL_HINT}\`.`;

function locate(names: readonly ToolName[], options: ToolLookupOptions): Partial<ToolPaths> {
  const { found, missing } = findTools(names, options);
  const problems = missing.map(
    ({ tool, lookedIn }) =>
      `${tool} not found (looked in ${lookedIn}; it is in the ${PACKAGE_OF[tool]} package)`,
  );
  if (problems.length > 0) throw new SandboxUnavailableError(problems);
  return found;
}

/** Only /usr is mounted inside the sandbox: tools run in there must resolve to a file under it. */
function requireUnderUsr(tools: ToolPaths): void {
  const problems: string[] = [];
  for (const tool of ['setpriv', 'python3'] as const) {
    const real = realpathSync(tools[tool]);
    if (!real.startsWith('/usr/')) {
      problems.push(
        `${tool} at ${tools[tool]} resolves to ${real}, outside /usr, so it is not visible inside the sandbox ` +
          `(use the system one, e.g. /usr/bin/${tool})`,
      );
    }
  }
  if (problems.length > 0) throw new SandboxUnavailableError(problems);
}

function describeFailure(result: ExecutionResult): string {
  const detail = result.error ?? `unexpected output ${JSON.stringify(result.stdout.trim())}`;
  return `a trivial sandboxed run ${result.status === 'timed_out' ? 'timed out' : 'failed'}: ${detail}`;
}

/**
 * Checks that bwrap, setpriv, prlimit and python3 exist AND that a trivial program really runs in the sandbox as
 * uid 65534 (namespaces can be disabled by the kernel or a container runtime). Throws a
 * {@link SandboxUnavailableError} naming what is wrong and how to fix it; never falls back to running unsandboxed.
 */
export async function detectSandbox(options: SandboxDetectionOptions = {}): Promise<SandboxDetection> {
  const tools = locate(['bwrap', 'setpriv', 'prlimit', 'python3'], options) as ToolPaths;
  requireUnderUsr(tools);
  const limits = resolveLimits(options.limits);
  const result = await executeSandboxed(tools, limits, PROBE, PROBE_TIMEOUT_MS);
  const [identity, version] = result.stdout.trim().split('\n');
  if (result.status !== 'passed' || identity !== `${SANDBOX_UID} ${SANDBOX_GID}`) {
    throw new SandboxUnavailableError([describeFailure(result)], NAMESPACE_FIX);
  }
  return { tools, pythonVersion: version ?? '', probeMs: result.durationMs };
}

export interface UnsafeRunnerDetection {
  tools: Pick<ToolPaths, 'prlimit' | 'python3'>;
  pythonVersion: string;
  probeMs: number;
}

/** For the explicit unsafe mode: only prlimit and a working python3 are required. */
export async function detectUnsafeRunner(
  options: SandboxDetectionOptions = {},
): Promise<UnsafeRunnerDetection> {
  const tools = locate(['prlimit', 'python3'], options) as Pick<ToolPaths, 'prlimit' | 'python3'>;
  const limits = resolveLimits(options.limits);
  const result = await executeUnsandboxed(tools, limits, PROBE, PROBE_TIMEOUT_MS);
  if (result.status !== 'passed') {
    throw new SandboxUnavailableError([describeFailure(result).replace('sandboxed ', 'unsandboxed ')]);
  }
  return { tools, pythonVersion: result.stdout.trim().split('\n')[1] ?? '', probeMs: result.durationMs };
}
