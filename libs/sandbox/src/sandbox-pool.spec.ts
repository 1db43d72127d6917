import type { ExecutionResult, PythonRunner } from './execution-result';
import { PythonSandbox } from './python-sandbox';
import { SandboxPool } from './sandbox-pool';

/** A runner that finishes in a random order and records how many runs overlap. */
class RecordingRunner implements PythonRunner {
  active = 0;
  maxActive = 0;
  calls: string[] = [];

  async run(program: string): Promise<ExecutionResult> {
    this.calls.push(program);
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 5)));
    this.active--;
    if (program.startsWith('throw')) throw new Error(`runner broke on ${program}`);
    return { status: 'passed', durationMs: 1, stdout: program, stderr: '', outputTruncated: false };
  }
}

describe('SandboxPool', () => {
  it('never runs more than `parallelism` at once and keeps results in input order', async () => {
    const runner = new RecordingRunner();
    const pool = new SandboxPool(runner, { parallelism: 3 });
    const programs = Array.from({ length: 50 }, (_, i) => `p${i}`);
    const results = await pool.runAll(programs);
    expect(runner.maxActive).toBe(3);
    expect(results.map((result) => result.stdout)).toEqual(programs);
    expect([...runner.calls].sort()).toEqual([...programs].sort());
  });

  it('frees the slot when the runner throws', async () => {
    const runner = new RecordingRunner();
    const pool = new SandboxPool(runner, { parallelism: 1 });
    await expect(pool.run('throw 1')).rejects.toThrow('runner broke on throw 1');
    expect(await pool.run('after')).toMatchObject({ stdout: 'after' });
  });

  it('defaults to the number of CPUs and rejects a bad parallelism', () => {
    expect(new SandboxPool(new RecordingRunner()).parallelism).toBeGreaterThanOrEqual(1);
    expect(() => new SandboxPool(new RecordingRunner(), { parallelism: 0 })).toThrow(RangeError);
    expect(() => new SandboxPool(new RecordingRunner(), { parallelism: 1.5 })).toThrow(RangeError);
  });

  it('40 mixed real programs at parallelism 2: every result exactly once, matched to its input', async () => {
    const pool = new SandboxPool(await PythonSandbox.create(), { parallelism: 2 });
    // Every program prints its index first, so each result can be traced back to the program that produced it.
    const kinds = ['pass', 'assert', 'raise', 'syntax', 'loop'] as const;
    const cases = Array.from({ length: 40 }, (_, i) => {
      const kind = kinds[i % kinds.length];
      const body = {
        pass: `assert ${i} + 1 == ${i + 1}`,
        assert: `assert ${i} == -1`,
        raise: `raise ValueError('program ${i}')`,
        syntax: `exec('def f(:')`,
        loop: 'while True: pass',
      }[kind];
      return { i, kind, program: `print(${i}, flush=True)\n${body}\n` };
    });
    const results = await Promise.all(
      cases.map(({ program, kind }) => pool.run(program, { timeoutMs: kind === 'loop' ? 500 : 3000 })),
    );

    expect(results).toHaveLength(40);
    expect(new Set(results.map((result) => result.stdout)).size).toBe(40);
    cases.forEach(({ i, kind }, index) => {
      const result = results[index];
      expect(result.stdout).toBe(`${i}\n`);
      const expected = {
        pass: { status: 'passed' },
        assert: { status: 'failed', error: 'AssertionError' },
        raise: { status: 'failed', error: `ValueError: program ${i}` },
        syntax: { status: 'failed' },
        loop: { status: 'timed_out' },
      }[kind];
      expect(result).toMatchObject(expected);
      if (kind === 'syntax') expect(result.error).toMatch(/^SyntaxError: /);
    });
  });
});
