import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { PythonSandbox } from './python-sandbox';
import { descendantsOf, listProcesses, untilEmpty } from './testing/processes';

/** A TCP server on the host's loopback that counts the connections it accepts. */
async function countingServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  let accepted = 0;
  const sockets: Socket[] = [];
  const server = createServer((socket) => {
    accepted++;
    sockets.push(socket);
    socket.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.on('close', () => sockets.forEach((socket) => socket.destroy()));
  return { server, port: (server.address() as AddressInfo).port, connections: () => accepted };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 100));

describe('PythonSandbox isolation (checked from the host)', () => {
  let sandbox: PythonSandbox;
  beforeAll(async () => {
    sandbox = await PythonSandbox.create();
  });

  describe('network', () => {
    it('cannot reach the internet', async () => {
      const result = await sandbox.run(
        'import socket\nsocket.create_connection(("1.1.1.1", 53), timeout=1)\n',
      );
      expect(result).toMatchObject({
        status: 'failed',
        error: 'OSError: [Errno 101] Network is unreachable',
      });
    });

    it("cannot connect to a server on the host's 127.0.0.1, and the server sees nothing", async () => {
      const { server, port, connections } = await countingServer();
      try {
        const program = `import socket\nsocket.create_connection(("127.0.0.1", ${port}), timeout=1)\n`;
        const result = await sandbox.run(program);
        // Its 127.0.0.1 is the sandbox's own loopback, where nothing listens.
        expect(result).toMatchObject({
          status: 'failed',
          error: 'ConnectionRefusedError: [Errno 111] Connection refused',
        });
        await settle();
        expect(connections()).toBe(0);

        // Control: the server does accept connections, and the unsafe mode (no network namespace) reaches it,
        // so the zero above means something.
        const unsafe = await PythonSandbox.create({ unsafeNoSandbox: true });
        expect(unsafe.mode).toBe('unsafe-no-sandbox');
        expect(await unsafe.run(program)).toMatchObject({ status: 'passed' });
        await settle();
        expect(connections()).toBe(1);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });
  });

  describe('filesystem', () => {
    const id = randomUUID();
    const outside = [`/usr/pwned-${id}`, `/work/main/pwned-${id}`, `/root/x-${id}`, `/etc/pwned-${id}`];

    it.each(outside)('cannot create %s', async (path) => {
      expect(existsSync(path)).toBe(false);
      const result = await sandbox.run(`open(${JSON.stringify(path)}, 'w').write('owned')\n`);
      expect(result.status).toBe('failed');
      expect(result.error).toMatch(/^(OSError|PermissionError|FileNotFoundError): /);
      expect(existsSync(path)).toBe(false);
    });

    it('can write its own /tmp, which is private (not the host /tmp)', async () => {
      const name = `/tmp/sandbox-private-${id}`;
      const program = `open(${JSON.stringify(name)}, 'w').write('hello')\nprint(open(${JSON.stringify(name)}).read())\n`;
      expect(await sandbox.run(program)).toMatchObject({ status: 'passed', stdout: 'hello\n' });
      expect(existsSync(name)).toBe(false);
      // And the next run starts with an empty /tmp again.
      expect(await sandbox.run(`import os\nprint(os.path.exists(${JSON.stringify(name)}))\n`)).toMatchObject({
        status: 'passed',
        stdout: 'False\n',
      });
    });

    it('sees only /usr (read-only), /tmp, /proc and /dev of the filesystem', async () => {
      const result = await sandbox.run("import os\nprint(sorted(os.listdir('/')))\n");
      expect(result.status).toBe('passed');
      expect(result.stdout.trim()).toBe("['bin', 'dev', 'lib', 'lib64', 'proc', 'sbin', 'tmp', 'usr']");
    });
  });

  describe('identity and environment', () => {
    it('runs as uid/gid 65534 with no groups and no capabilities', async () => {
      const program =
        'import os\nprint(os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups())\n' +
        "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0])\n";
      const result = await sandbox.run(program);
      expect(result.status).toBe('passed');
      expect(result.stdout).toBe('65534 65534 65534 65534 []\n0000000000000000\n');
    });

    it("does not see the host's environment variables", async () => {
      const canary = `SANDBOX_CANARY_${randomUUID().replace(/-/g, '_')}`;
      process.env[canary] = 'secret';
      try {
        const result = await sandbox.run('import json, os\nprint(json.dumps(dict(os.environ)))\n');
        expect(result.status).toBe('passed');
        const env = JSON.parse(result.stdout) as Record<string, string>;
        expect(env[canary]).toBeUndefined();
        // Only what bwrap (PWD) and Python's locale coercion (LC_CTYPE) set themselves.
        expect(Object.keys(env).filter((key) => !['PWD', 'LC_CTYPE'].includes(key))).toEqual([]);
      } finally {
        delete process.env[canary];
      }
    });
  });

  describe('processes', () => {
    it('contains a fork bomb: the run ends, nothing it forked survives, and the next run works', async () => {
      const program =
        "import os\nprint(os.readlink('/proc/self/ns/pid'), flush=True)\nwhile True:\n    os.fork()\n";
      const result = await sandbox.run(program);
      expect(['failed', 'timed_out']).toContain(result.status);
      const namespace = result.stdout.split('\n')[0];
      expect(namespace).toMatch(/^pid:\[\d+\]$/);

      const survivors = await untilEmpty(() => listProcesses().filter((p) => p.pidNamespace === namespace));
      expect(survivors).toEqual([]);
      const strayNobody = await untilEmpty(() => descendantsOf(process.pid).filter((p) => p.uid === 65534));
      expect(strayNobody).toEqual([]);
      expect(await untilEmpty(() => descendantsOf(process.pid))).toEqual([]);

      expect(await sandbox.run('print("alive")')).toMatchObject({ status: 'passed', stdout: 'alive\n' });
    });

    it('sees only its own processes (private pid namespace)', async () => {
      const result = await sandbox.run(
        "import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n",
      );
      expect(result.status).toBe('passed');
      expect(JSON.parse(result.stdout) as number[]).toEqual([1, 2]);
    });
  });
});
