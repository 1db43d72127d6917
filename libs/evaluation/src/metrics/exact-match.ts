/**
 * The line Open-dLLM's SantaCoder-FIM scorer compares (docs/REFERENCE.md §4): a completion that starts with "\n" or
 * " \n" is judged on its second line, any other on its first.
 */
export function firstLineOf(completion: string): string {
  const lines = completion.split('\n');
  if (completion.startsWith('\n') || completion.startsWith(' \n')) return lines[1] ?? '';
  return lines[0];
}

/** Python's str.isspace() set (JS's \s differs: it includes U+FEFF and lacks U+001C-U+001F and U+0085). */
const PY_SPACE =
  '[\\t\\n\\v\\f\\r \\x1c-\\x1f\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const PY_STRIP = new RegExp(`^${PY_SPACE}+|${PY_SPACE}+$`, 'gu');

/** Python's str.strip() with no argument, as both published scorers call it. */
export function pyStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}

/** First-line rule (Open-dLLM, Qwen's FIM bench): the judged line, stripped, equals the canonical middle, stripped. */
export function exactMatchFirstLine(completion: string, canonical: string): boolean {
  return pyStrip(firstLineOf(completion)) === pyStrip(canonical);
}

/** Whole rule (bigcode-evaluation-harness): the completion, stripped, equals the canonical middle, stripped. */
export function exactMatchWhole(completion: string, canonical: string): boolean {
  return pyStrip(completion) === pyStrip(canonical);
}
