import {
  DatasetFormatError,
  humanEvalTask,
  parseHumanEvalRow,
  parseSantaCoderRow,
  referenceFile,
  santaCoderTask,
  seedInfillInput,
} from './benchmark-task';

describe('benchmark tasks', () => {
  const humanEvalRow = {
    task_id: 'test/0',
    entry_point: 'return1',
    prompt: 'def return1():\n',
    suffix: '1',
    canonical_solution: '    return ',
    test: 'def check(candidate):\n    assert candidate() == 1',
  };
  const santaRow = {
    name: 'humaneval-HumanEval_0_f.json-L3',
    language: 'py',
    prompt: 'def f(x):\n    y = x',
    suffix: '    return y\n',
    canonical_solution: '    y += 1',
    tests: 'assert f(1) == 2\n',
  };

  it('HumanEval: prefix/middle/suffix are prompt/canonical_solution/suffix', () => {
    const task = humanEvalTask('humaneval-single-line', humanEvalRow, 7);
    expect(task).toEqual({
      id: 'test/0',
      index: 7,
      dataset: 'humaneval-single-line',
      prefix: 'def return1():\n',
      suffix: '1',
      canonicalMiddle: '    return ',
      row: humanEvalRow,
    });
    expect(referenceFile(task)).toBe('def return1():\n    return 1');
    expect(seedInfillInput(task)).toEqual({ prefix: 'def return1():\n', suffix: '1' });
  });

  it('SantaCoder: the middle line gets its line breaks from prefix and suffix; the seed input drops the second', () => {
    const task = santaCoderTask(santaRow, 3);
    expect(task).toMatchObject({
      id: '3/humaneval-HumanEval_0_f.json-L3',
      index: 3,
      dataset: 'santacoder-fim-py',
      name: santaRow.name,
      prefix: 'def f(x):\n    y = x\n',
      suffix: '\n    return y\n',
      canonicalMiddle: '    y += 1',
      row: santaRow,
    });
    expect(referenceFile(task)).toBe('def f(x):\n    y = x\n    y += 1\n    return y\n');
    expect(seedInfillInput(task)).toEqual({ prefix: 'def f(x):\n    y = x\n', suffix: '    return y\n' });
  });

  it('parses rows, dropping extra fields, and names the record and field of a bad one', () => {
    expect(parseHumanEvalRow({ ...humanEvalRow, extra: 1 }, 'f:1')).toEqual(humanEvalRow);
    expect(parseSantaCoderRow({ ...santaRow }, 'f:1')).toEqual(santaRow);
    expect(() => parseHumanEvalRow({ ...humanEvalRow, test: 3 }, 'f.jsonl:4')).toThrow(
      new DatasetFormatError('f.jsonl:4: field "test" must be a string, got number'),
    );
    expect(() => parseSantaCoderRow({ ...santaRow, tests: null }, 'x: row 2')).toThrow(
      'x: row 2: field "tests" must be a string, got null',
    );
    expect(() => parseSantaCoderRow([], 'x')).toThrow('x: expected a JSON object, got array');
  });
});
