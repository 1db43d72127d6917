import { sandboxedCommand, unsafeCommand } from './command';
import { DEFAULT_LIMITS, resolveLimits } from './limits';

const tools = {
  bwrap: '/usr/bin/bwrap',
  setpriv: '/usr/bin/setpriv',
  prlimit: '/usr/bin/prlimit',
  python3: '/usr/bin/python3',
};

describe('sandbox command line', () => {
  const { file, args } = sandboxedCommand(tools, resolveLimits(), 3000);
  const argv = [file, ...args];
  const segment = (from: string, to: string) => argv.slice(argv.indexOf(from), argv.indexOf(to));

  it('chains prlimit -> bwrap -> setpriv -> python3 reading the program from stdin', () => {
    expect(file).toBe('/usr/bin/prlimit');
    const order = ['/usr/bin/prlimit', '/usr/bin/bwrap', '/usr/bin/setpriv', '/usr/bin/python3'].map((tool) =>
      argv.indexOf(tool),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(argv.slice(-3)).toEqual(['-I', '-B', '-']);
  });

  it('sets every rlimit, CPU with a soft limit of ceil(timeout) + 1 s', () => {
    expect(segment('/usr/bin/prlimit', '/usr/bin/bwrap')).toEqual([
      '/usr/bin/prlimit',
      '--cpu=4:5',
      `--as=${DEFAULT_LIMITS.addressSpaceBytes}`,
      `--nproc=${DEFAULT_LIMITS.maxProcesses}`,
      `--fsize=${DEFAULT_LIMITS.maxFileSizeBytes}`,
      `--nofile=${DEFAULT_LIMITS.maxOpenFiles}`,
      '--',
    ]);
  });

  it('isolates network, pids, ipc, uts, env and mounts only /usr read-only plus a private /tmp', () => {
    const bwrap = segment('/usr/bin/bwrap', '/usr/bin/setpriv').join(' ');
    for (const flag of ['--unshare-net', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--clearenv']) {
      expect(bwrap).toContain(flag);
    }
    expect(bwrap).toContain('--die-with-parent --new-session');
    expect(bwrap).toContain('--ro-bind /usr /usr');
    expect(bwrap).toContain(`--perms 1777 --size ${DEFAULT_LIMITS.tmpfsBytes} --tmpfs /tmp`);
    expect(bwrap).not.toMatch(/--bind |--dev-bind |--share-net/);
  });

  it('drops to 65534 with no groups, capabilities or new privileges', () => {
    expect(segment('/usr/bin/setpriv', '/usr/bin/python3')).toEqual([
      '/usr/bin/setpriv',
      '--reuid=65534',
      '--regid=65534',
      '--clear-groups',
      '--inh-caps=-all',
      '--bounding-set=-all',
      '--no-new-privs',
      '--',
    ]);
  });

  it('the unsafe command is prlimit -> python3 only', () => {
    const unsafe = unsafeCommand(tools, resolveLimits({ cpuSeconds: 7 }), 3000);
    expect([unsafe.file, ...unsafe.args].join(' ')).toBe(
      `/usr/bin/prlimit --cpu=7:8 --as=${DEFAULT_LIMITS.addressSpaceBytes} --nproc=${DEFAULT_LIMITS.maxProcesses} ` +
        `--fsize=${DEFAULT_LIMITS.maxFileSizeBytes} --nofile=${DEFAULT_LIMITS.maxOpenFiles} -- /usr/bin/python3 -I -B -`,
    );
  });

  it('refuses limits prlimit cannot take and time-outs a timer cannot represent', () => {
    expect(() => resolveLimits({ addressSpaceBytes: 1.5 })).toThrow(
      'addressSpaceBytes must be a positive integer',
    );
    expect(() => resolveLimits({ timeoutMs: 2 ** 31 })).toThrow(RangeError);
    expect(resolveLimits({ timeoutMs: undefined }).timeoutMs).toBe(3000);
  });
});
