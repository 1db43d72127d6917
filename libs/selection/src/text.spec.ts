import { agreementKey, completedFile, isSingleLine, lineCount, stripTrailingNewline } from './text';

describe('middle shape', () => {
  it.each([
    ['    return x\n', true, 1],
    ['    return x', true, 1],
    ['    return x\r\n', true, 1],
    ['\n    return x', false, 2],
    ['    return x\n\n', false, 2],
    ['a\nb', false, 2],
    ['a\nb\n', false, 2],
    ['a\rb', false, 2],
    ['', false, 0],
    ['\n', false, 0],
    ['   \n', false, 1],
    ['   ', false, 1],
  ])('%j: single line %s, %i lines', (text, single, lines) => {
    expect(isSingleLine(text)).toBe(single);
    expect(lineCount(text)).toBe(lines);
  });

  it('strips exactly one trailing line break', () => {
    expect(stripTrailingNewline('a\n\n')).toBe('a\n');
    expect(stripTrailingNewline('a\r\n')).toBe('a');
    expect(stripTrailingNewline('a')).toBe('a');
  });

  it('builds the whole file and the agreement key', () => {
    expect(completedFile({ prefix: 'P', suffix: 'S' }, 'm')).toBe('PmS');
    expect(agreementKey('  x = 1\n')).toBe('x = 1');
  });
});
