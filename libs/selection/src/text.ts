import type { TaskContext } from './types';

/** The whole file a candidate makes: prefix + middle + suffix. */
export function completedFile(context: Pick<TaskContext, 'prefix' | 'suffix'>, text: string): string {
  return context.prefix + text + context.suffix;
}

/** text without one trailing line break ("\n", "\r\n" or "\r"), if it has one. */
export function stripTrailingNewline(text: string): string {
  if (text.endsWith('\r\n')) return text.slice(0, -2);
  if (text.endsWith('\n') || text.endsWith('\r')) return text.slice(0, -1);
  return text;
}

/**
 * Lines of a middle: after dropping one trailing line break, 0 for the empty string, else 1 + the line breaks left
 * ("\n", "\r\n" and a lone "\r" each count once, as Python's tokenizer counts them).
 * "x\n" -> 1, "x" -> 1, "\nx\n" -> 2, "" and "\n" -> 0.
 */
export function lineCount(text: string): number {
  const body = stripTrailingNewline(text);
  return body === '' ? 0 : body.split(/\r\n|\n|\r/).length;
}

/**
 * Exactly one line of code: after dropping one trailing line break, no line break is left and the line is not blank.
 * "    return x\n" and "    return x" are single lines; "\n    return x" (a leading empty line), "a\nb", "" and
 * "   \n" are not.
 */
export function isSingleLine(text: string): boolean {
  const body = stripTrailingNewline(text);
  return !/[\r\n]/.test(body) && body.trim() !== '';
}

/** The text two candidates must share to "agree": surrounding whitespace stripped. */
export function agreementKey(text: string): string {
  return text.trim();
}
