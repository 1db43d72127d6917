import { prefixOnlySpan } from './prefix-only-span';
import { qwenReference, qwenTokenizer } from './testing/fixtures';

describe('prefixOnlySpan (the seed rule, REFERENCE.md §3) on the real Qwen2.5 tokenizer', () => {
  it('scores exactly the completion tokens when nothing merges across the seams', () => {
    // REFERENCE.md §1: "Hello world" -> [9707, 1879]; so "Hello" -> [9707] and " world" -> [1879].
    const span = prefixOnlySpan(qwenTokenizer(), 'Hello', ' world', '');
    expect(span).toEqual({ tokens: [9707, 1879], start: 0, end: 1 });
    expect(span.tokens.slice(span.start + 1, span.end + 1)).toEqual([1879]);
  });

  it('starts at -1 for an empty prefix', () => {
    expect(prefixOnlySpan(qwenTokenizer(), '', 'Hello world', '')).toEqual({
      tokens: [9707, 1879],
      start: -1,
      end: 1,
    });
  });

  const cases = qwenReference().prefix_only_cases;
  it.each(cases.map((c) => [JSON.stringify(c.prefix + '|' + c.completion + '|' + c.suffix), c] as const))(
    'gives the window of the Python rule for %s',
    (_name, c) => {
      const span = prefixOnlySpan(qwenTokenizer(), c.prefix, c.completion, c.suffix);
      expect(span).toEqual({ tokens: c.tokens, start: c.start, end: c.end });
      expect(span.tokens.slice(span.start + 1, span.end + 1)).toEqual(c.scored_ids);
    },
  );

  it('shows the seam weakness: "foo" + "bar" merge, so the window holds other tokens than the completion', () => {
    const tokenizer = qwenTokenizer();
    const span = prefixOnlySpan(tokenizer, 'x = foo', 'bar(1)', '\n');
    const scored = span.tokens.slice(span.start + 1, span.end + 1);
    expect(scored).toEqual(cases.find((c) => c.prefix === 'x = foo')!.scored_ids);
    expect(scored).toHaveLength(tokenizer.encode('bar(1)').length); // same count, shifted content
    expect(scored).not.toEqual(tokenizer.encode('bar(1)'));
  });

  it('can run past the end of the sequence when the merge shortens it ("    retu" + "rn x")', () => {
    const seam = cases.find((c) => c.prefix === '    retu')!;
    const span = prefixOnlySpan(qwenTokenizer(), seam.prefix, seam.completion, seam.suffix);
    expect(span.end).toBeGreaterThan(span.tokens.length - 1);
  });
});
