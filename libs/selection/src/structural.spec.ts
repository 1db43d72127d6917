import { applyStrategy } from './apply';
import { PythonSyntax } from './python-syntax';
import { ar, context, diffusion, fakeSyntax, row } from './testing/fixtures';
import { SelectionError, TaskContext } from './types';

const two = [row({}), row({})];
const three = [row({}), row({}), row({})];
const options = { syntax: fakeSyntax };

describe('structural strategy (parses, then one line, then AR)', () => {
  it('prefers the candidate whose file parses', () => {
    const result = applyStrategy('structural', [ar('SYNTAX_ERROR\n'), diffusion()], two, context, options);
    expect(result.index).toBe(1);
    expect(result.reason).toBe('diffusion parses, ar does not');
    expect(result.decidingValues).toEqual([
      { name: 'c0.parses', value: 0 },
      { name: 'c0.single_line', value: 1 },
      { name: 'c0.lines', value: 1 },
      { name: 'c1.parses', value: 1 },
      { name: 'c1.single_line', value: 1 },
      { name: 'c1.lines', value: 1 },
    ]);
  });

  it('then, for a single-line task, the candidate that is exactly one line', () => {
    const result = applyStrategy(
      'structural',
      [ar('x = 1\ny = 2\nz = 3\n'), diffusion('x = 2\n')],
      two,
      context,
      options,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe('both parse; only diffusion is one line (ar: 3 lines)');
  });

  it('counts a blank middle as not one line', () => {
    const result = applyStrategy('structural', [ar('\n'), diffusion('pass\n')], two, context, options);
    expect(result.index).toBe(1);
    expect(result.reason).toBe('both parse; only diffusion is one line (ar: blank)');
  });

  it('parsing outranks the line shape', () => {
    const result = applyStrategy(
      'structural',
      [ar('x = 1\ny = 2\n'), diffusion('SYNTAX_ERROR')],
      two,
      context,
      options,
    );
    expect(result.index).toBe(0);
    expect(result.reason).toBe('ar parses, diffusion does not');
  });

  it('ignores the line shape unless the task is single-line', () => {
    const multi: TaskContext = { ...context, shape: 'multi_line' };
    const result = applyStrategy(
      'structural',
      [diffusion('x = 2\n'), ar('x = 1\ny = 2\n')],
      two,
      multi,
      options,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe('both parse; tie → autoregressive candidate ar');
    expect(result.decidingValues.map((v) => v.name)).toEqual(['c0.parses', 'c1.parses']);
  });

  it('ties go to the AR candidate, then the lowest index', () => {
    const tie = applyStrategy('structural', [diffusion(), ar()], two, context, options);
    expect(tie.index).toBe(1);
    expect(tie.reason).toBe('both parse; both are one line; tie → autoregressive candidate ar');

    const noAr = applyStrategy(
      'structural',
      [diffusion('a\n', 0), diffusion('b\n', 1)],
      two,
      context,
      options,
    );
    expect(noAr.index).toBe(0);
    expect(noAr.reason).toBe(
      'both parse; both are one line; tie → lowest index diffusion#0 (no AR candidate)',
    );

    const twoAr = applyStrategy(
      'structural',
      [diffusion('a\n'), ar('SYNTAX_ERROR\n', 0), ar('c\n', 1)],
      three,
      context,
      options,
    );
    expect(twoAr.index).toBe(2);
    expect(twoAr.reason).toBe(
      'diffusion, ar#1 parse, ar#0 does not; both are one line; tie → autoregressive candidate ar#1',
    );
  });

  it('still applies the line shape when nothing parses', () => {
    const result = applyStrategy(
      'structural',
      [ar('SYNTAX_ERROR\nb\n'), diffusion('SYNTAX_ERROR\n')],
      two,
      context,
      options,
    );
    expect(result.index).toBe(1);
    expect(result.reason).toBe('none parses; only diffusion is one line (ar: 2 lines)');
  });

  it('needs a syntax checker', () => {
    expect(() => applyStrategy('structural', [ar(), diffusion()], two, context)).toThrow(SelectionError);
    expect(() => applyStrategy('structural', [ar(), diffusion()], two, context)).toThrow(
      'the structural strategy needs a Python syntax checker: await loadPythonSyntax() once and pass it as options.syntax',
    );
  });

  it('works with the real Python parser on a HumanEval-style gap', async () => {
    const syntax = await PythonSyntax.load();
    const task: TaskContext = {
      prefix: 'def below_zero(operations):\n    balance = 0\n    for op in operations:\n',
      suffix: '        if balance < 0:\n            return True\n    return False\n',
      shape: 'single_line',
    };
    const candidates = [
      ar('    balance += op\n'), // one indent level too shallow: the if below becomes an unexpected indent
      diffusion('        balance += op\n'),
    ];
    const result = applyStrategy('structural', candidates, two, task, { syntax });
    expect(result.index).toBe(1);
    expect(result.reason).toBe('diffusion parses, ar does not');
  });
});
