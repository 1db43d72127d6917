import { maxTokens } from './checks';
import { RequestLimits } from './limits';

/**
 * The token ceiling of a request's prefix and suffix, for servers that can count tokens (the model servers).
 * Runs after the character ceiling, which bounds what counting can cost.
 */
export function validateInputTokens(
  input: { prefix: string; suffix: string },
  countTokens: (text: string) => number,
  limits: RequestLimits,
): void {
  maxTokens('input.prefix', input.prefix, countTokens, limits.maxInputTokens);
  maxTokens('input.suffix', input.suffix, countTokens, limits.maxInputTokens);
}
