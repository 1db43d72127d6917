import { humanEvalProgram } from './human-eval-program';

const row = (prompt: string, suffix: string, test: string, entry_point: string) => ({
  task_id: 'T/0',
  prompt,
  suffix,
  test,
  entry_point,
  canonical_solution: '',
});

describe('humanEvalProgram', () => {
  it('is prompt + completion + suffix + "\\n" + test + "\\n" + "check(" + entry_point + ")"', () => {
    const program = humanEvalProgram(
      row('def add(a, b):\n', '', 'def check(candidate):\n    assert candidate(1, 2) == 3\n', 'add'),
      '    return a + b\n',
    );
    expect(program).toBe(
      'def add(a, b):\n    return a + b\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n\ncheck(add)',
    );
  });

  it('adds nothing between prompt, completion and suffix', () => {
    expect(humanEvalProgram(row('P', 'S', 'T', 'E'), 'C')).toBe('PCS\nT\ncheck(E)');
  });
});
