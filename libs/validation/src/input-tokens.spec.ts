import { status } from '@grpc/grpc-js';
import { validateInputTokens } from './input-tokens';
import { DEFAULT_LIMITS, toRequestLimits } from './limits';

const limits = { ...DEFAULT_LIMITS, maxInputTokens: 8 };
// One token per character: a stand-in tokenizer that counts how often it is asked.
function counter() {
  const calls: string[] = [];
  return { calls, count: (text: string) => (calls.push(text), [...text].length) };
}

describe('validateInputTokens', () => {
  it('does not tokenise a text whose UTF-8 bytes cannot exceed the ceiling', () => {
    const { calls, count } = counter();
    validateInputTokens({ prefix: 'x = 1\n', suffix: '12345678' }, count, limits);
    expect(calls).toEqual([]);
  });

  it('counts longer texts and accepts them when within the ceiling', () => {
    const { calls, count } = counter();
    validateInputTokens({ prefix: 'ééé', suffix: '' }, count, limits); // 6 bytes, fine without counting
    validateInputTokens({ prefix: 'éééééé', suffix: '' }, count, limits); // 12 bytes, 6 tokens
    expect(calls).toEqual(['éééééé']);
  });

  it('rejects the field over the ceiling with INVALID_ARGUMENT naming it and both numbers', () => {
    const { count } = counter();
    expect(() => validateInputTokens({ prefix: 'ok', suffix: 'x'.repeat(9) }, count, limits)).toThrow(
      expect.objectContaining({
        code: status.INVALID_ARGUMENT,
        message: 'input.suffix must be at most 8 tokens, got 9',
      }),
    );
  });
});

describe('toRequestLimits', () => {
  it('takes the configured ceilings over the defaults', () => {
    expect(
      toRequestLimits({
        MAX_INPUT_CHARS: 10,
        MAX_NEW_TOKENS: 20,
        MAX_SAMPLES: 3,
        MAX_STEPS: 40,
        MAX_INPUT_TOKENS: 5,
      }),
    ).toEqual({
      ...DEFAULT_LIMITS,
      maxInputChars: 10,
      maxNewTokens: 20,
      maxSamples: 3,
      maxSteps: 40,
      maxInputTokens: 5,
    });
  });
});
