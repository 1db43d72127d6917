import { InvalidArgumentError } from '@ensemble/grpc';

/**
 * Field checks shared by every request validator. Each throws InvalidArgumentError whose message names the
 * field by its path in the request (`sampling.top_p`) and says what was expected and what was received.
 */

export function finiteInRange(
  field: string,
  value: number,
  { min, max, minExclusive = false }: { min: number; max: number; minExclusive?: boolean },
): number {
  const low = minExclusive ? `> ${min}` : `>= ${min}`;
  if (!Number.isFinite(value) || (minExclusive ? value <= min : value < min) || value > max) {
    throw new InvalidArgumentError(field, `must be a number ${low} and <= ${max}, got ${value}`);
  }
  return value;
}

export function integerInRange(field: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const hint = value > max && max > 0 ? ` (this server's limit is ${max})` : '';
    throw new InvalidArgumentError(
      field,
      `must be an integer between ${min} and ${max}, got ${value}${hint}`,
    );
  }
  return value;
}

export function maxLength(field: string, value: string, max: number): string {
  if (value.length > max) {
    throw new InvalidArgumentError(field, `must be at most ${max} characters, got ${value.length}`);
  }
  return value;
}

/** A token count against a ceiling; `count` is only called when the text could exceed it. */
export function maxTokens(field: string, text: string, count: (text: string) => number, max: number): void {
  // A byte-level BPE token (Qwen2's, normalised with NFC or not at all) covers at least one UTF-8 byte, so a text
  // of at most `max` bytes needs no tokenising here; tokenising costs CPU in proportion to the text.
  if (Math.max(Buffer.byteLength(text), Buffer.byteLength(text.normalize('NFC'))) <= max) return;
  const tokens = count(text);
  if (tokens > max) {
    throw new InvalidArgumentError(field, `must be at most ${max} tokens, got ${tokens}`);
  }
}

/** Maps a proto enum number to our name, rejecting UNSPECIFIED only when `allowUnspecified` is false. */
export function enumValue<T extends string>(
  field: string,
  value: number,
  names: Record<number, T>,
  enumName: string,
): T {
  const name = names[value];
  if (name === undefined) {
    const allowed = Object.entries(names)
      .map(([number, label]) => `${number} (${label})`)
      .join(', ');
    throw new InvalidArgumentError(
      field,
      `is not a valid ${enumName}: got ${value}, expected one of ${allowed}`,
    );
  }
  return name;
}

/** proto-loader yields null for an unset message field and undefined for an unset proto3 optional. */
export function isSet<T>(value: T | null | undefined): value is T {
  return value !== null && value !== undefined;
}
