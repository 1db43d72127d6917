import { type SandboxLimits, prlimitArgs } from './limits';
import type { ToolPaths } from './tool-paths';

/** A program to spawn: argv only, the Python source always goes through stdin (argv has size limits). */
export interface Command {
  file: string;
  args: string[];
}

/** The unprivileged identity inside the sandbox ("nobody"); RLIMIT_NPROC is only enforced for non-root uids. */
export const SANDBOX_UID = 65534;
export const SANDBOX_GID = 65534;

/**
 * `-I` isolates from PYTHON* variables, the user site and the cwd on sys.path; `-B` skips writing .pyc files;
 * `-` reads the program from stdin.
 */
export const PYTHON_ARGS = ['-I', '-B', '-'];

/**
 * bubblewrap: fresh net/pid/ipc/uts/cgroup namespaces (no network at all, only a private loopback), an empty
 * root with read-only /usr (and the /bin, /lib, /lib64 symlinks into it), private /proc and minimal /dev, a
 * small private tmpfs /tmp, no inherited environment. --die-with-parent plus the pid namespace make killing
 * bwrap kill everything the program started; --new-session stops TIOCSTI-style terminal injection.
 */
export function bwrapArgs(limits: SandboxLimits): string[] {
  return [
    '--unshare-net',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--hostname',
    'sandbox',
    '--unshare-cgroup-try',
    '--ro-bind',
    '/usr',
    '/usr',
    '--symlink',
    'usr/bin',
    '/bin',
    '--symlink',
    'usr/sbin',
    '/sbin',
    '--symlink',
    'usr/lib',
    '/lib',
    '--symlink',
    'usr/lib64',
    '/lib64',
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--perms',
    '1777',
    '--size',
    String(limits.tmpfsBytes),
    '--tmpfs',
    '/tmp',
    '--chdir',
    '/tmp',
    '--clearenv',
    '--die-with-parent',
    '--new-session',
  ];
}

/** setpriv: become nobody with no supplementary groups, no capabilities and no way to regain privileges. */
export function setprivArgs(): string[] {
  return [
    `--reuid=${SANDBOX_UID}`,
    `--regid=${SANDBOX_GID}`,
    '--clear-groups',
    '--inh-caps=-all',
    '--bounding-set=-all',
    '--no-new-privs',
  ];
}

/** prlimit (applies to everything below it) -> bwrap -> setpriv -> python3 reading stdin. */
export function sandboxedCommand(tools: ToolPaths, limits: SandboxLimits, timeoutMs: number): Command {
  return {
    file: tools.prlimit,
    args: [
      ...prlimitArgs(limits, timeoutMs),
      '--',
      tools.bwrap,
      ...bwrapArgs(limits),
      '--',
      tools.setpriv,
      ...setprivArgs(),
      '--',
      tools.python3,
      ...PYTHON_ARGS,
    ],
  };
}

/** UNSAFE: python3 as the current user with the host's filesystem and network; only rlimits apply. */
export function unsafeCommand(
  tools: Pick<ToolPaths, 'prlimit' | 'python3'>,
  limits: SandboxLimits,
  timeoutMs: number,
): Command {
  return {
    file: tools.prlimit,
    args: [...prlimitArgs(limits, timeoutMs), '--', tools.python3, ...PYTHON_ARGS],
  };
}
