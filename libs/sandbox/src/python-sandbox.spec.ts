import { PythonSandbox } from './python-sandbox';
import { descendantsOf, listProcesses, untilEmpty } from './testing/processes';

// Real programs in the real sandbox: these fail (never skip) where bwrap/setpriv/prlimit/python3 do not work.
describe('PythonSandbox (real python3 in bwrap)', () => {
  let sandbox: PythonSandbox;
  beforeAll(async () => {
    sandbox = await PythonSandbox.create();
  });

  it('runs in sandboxed mode with the system python3', () => {
    expect(sandbox.mode).toBe('sandboxed');
    expect(sandbox.pythonVersion).toMatch(/^3\.\d+/);
  });

  it('passes a program that exits cleanly and captures its stdout', async () => {
    const result = await sandbox.run('def f(x):\n    return x * 2\n\nassert f(21) == 42\nprint(f(21))\n');
    expect(result).toMatchObject({ status: 'passed', stdout: '42\n', outputTruncated: false });
    expect(result.error).toBeUndefined();
  });

  it('fails `assert False` with the error line "AssertionError"', async () => {
    expect(await sandbox.run('assert False')).toMatchObject({ status: 'failed', error: 'AssertionError' });
  });

  it('fails a NameError with the full exception line', async () => {
    expect(await sandbox.run('x')).toMatchObject({
      status: 'failed',
      error: "NameError: name 'x' is not defined",
    });
  });

  it('fails a syntax error naming SyntaxError', async () => {
    const result = await sandbox.run('def f(:\n    pass\n');
    expect(result.status).toBe('failed');
    expect(result.error).toMatch(/^SyntaxError: /);
  });

  it('fails a silent non-zero exit with its code', async () => {
    expect(await sandbox.run('import sys\nsys.exit(3)')).toMatchObject({
      status: 'failed',
      error: 'Exited with code 3',
    });
  });

  it('times out `while True: pass`, and nothing of the run is left afterwards', async () => {
    // The program reports its pid namespace first, so the host can look for survivors in exactly that namespace.
    const program = "import os\nprint(os.readlink('/proc/self/ns/pid'), flush=True)\nwhile True: pass\n";
    const result = await sandbox.run(program, { timeoutMs: 1000 });
    expect(result).toMatchObject({ status: 'timed_out', error: 'Timed out after 1000 ms (wall clock)' });
    const namespace = result.stdout.trim();
    expect(namespace).toMatch(/^pid:\[\d+\]$/);

    const survivors = await untilEmpty(() => listProcesses().filter((p) => p.pidNamespace === namespace));
    expect(survivors).toEqual([]);
    expect(await untilEmpty(() => descendantsOf(process.pid))).toEqual([]);
  });

  it('times out a sleeping program too (wall clock, not CPU)', async () => {
    expect(await sandbox.run('import time\ntime.sleep(60)', { timeoutMs: 500 })).toMatchObject({
      status: 'timed_out',
    });
  });

  it('stops a CPU burner at the CPU rlimit (SIGXCPU) even with a long wall clock', async () => {
    const cpuLimited = await PythonSandbox.create({ limits: { cpuSeconds: 1, timeoutMs: 20000 } });
    expect(await cpuLimited.run('while True: pass')).toMatchObject({
      status: 'timed_out',
      error: 'CPU time limit exceeded (SIGXCPU)',
    });
  });

  it('fails a 10 GB allocation with MemoryError (address-space limit)', async () => {
    expect(await sandbox.run('x = bytearray(10 * 1024**3)')).toMatchObject({
      status: 'failed',
      error: 'MemoryError',
    });
  });

  it('caps output: a print loop is stopped and only the first maxOutputBytes are kept', async () => {
    const result = await sandbox.run("while True:\n    print('x' * 10000)\n");
    expect(result.status).toBe('failed');
    expect(result.error).toBe(
      `Output limit exceeded: more than ${sandbox.limits.maxOutputBytes} bytes on stdout`,
    );
    expect(result.outputTruncated).toBe(true);
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(sandbox.limits.maxOutputBytes);
  });

  it('caps stderr too, with a configurable cap', async () => {
    const small = await PythonSandbox.create({ limits: { maxOutputBytes: 64 * 1024 } });
    const result = await small.run("import sys\nsys.stderr.write('e' * 200000)\n");
    expect(result).toMatchObject({
      status: 'failed',
      error: 'Output limit exceeded: more than 65536 bytes on stderr',
      outputTruncated: true,
    });
    expect(Buffer.byteLength(result.stderr)).toBeLessThanOrEqual(64 * 1024);
  });

  it('takes programs larger than any argv limit (source goes through stdin)', async () => {
    const program = '#' + 'x'.repeat(4 * 1024 * 1024) + "\nprint('big')\n";
    expect(await sandbox.run(program)).toMatchObject({ status: 'passed', stdout: 'big\n' });
  });

  it('survives NUL bytes, lone surrogates and invalid text in the program (Python decides, the host does not crash)', async () => {
    for (const program of [
      'x = 1\0\nassert False',
      'print("\ud800")',
      '\u0000\u0000',
      'assert "\uFFFF"\n\0',
    ]) {
      const result = await sandbox.run(program);
      expect(['passed', 'failed']).toContain(result.status);
    }
    expect(await sandbox.run('print("still fine")')).toMatchObject({
      status: 'passed',
      stdout: 'still fine\n',
    });
  });

  it('reports a per-run duration', async () => {
    const result = await sandbox.run('pass');
    expect(result.durationMs).toBeGreaterThan(0);
  });

  it('rejects a time-out a timer cannot represent', async () => {
    await expect(sandbox.run('pass', { timeoutMs: 0 })).rejects.toThrow(RangeError);
    await expect(sandbox.run('pass', { timeoutMs: Infinity })).rejects.toThrow(RangeError);
    await expect(PythonSandbox.create({ limits: { maxProcesses: -1 } })).rejects.toThrow(RangeError);
  });
});
