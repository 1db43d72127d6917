import { status } from '@grpc/grpc-js';
import { DiffusionAlgorithm, LengthPolicy } from '@ensemble/proto';
import { InvalidArgumentError } from '@ensemble/grpc';
import { GenerationDefaults, validateGenerateRequest } from './generation-params';
import { DEFAULT_LIMITS } from './limits';

const defaults: GenerationDefaults = {
  sampling: { temperature: 0.6, topP: 0.95, topK: 0, maxNewTokens: 512, n: 1 },
  diffusion: {
    steps: 64,
    algorithm: 'p2',
    algTemp: 0,
    lengthPolicy: 'fixed',
    middleLength: 32,
    candidateLengths: [8, 16],
  },
};
const input = { prefix: 'def add(a, b):\n', suffix: '\n' };

function rejection(request: Parameters<typeof validateGenerateRequest>[0]): InvalidArgumentError {
  try {
    validateGenerateRequest(request, defaults, DEFAULT_LIMITS);
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error;
    throw error;
  }
  throw new Error('expected the request to be rejected');
}

describe('validateGenerateRequest', () => {
  it('resolves unset fields (null sub-messages included, as proto-loader sends them) to the defaults', () => {
    const params = validateGenerateRequest(
      { input, sampling: null, diffusion: null },
      defaults,
      DEFAULT_LIMITS,
    );
    expect(params).toEqual({
      prefix: input.prefix,
      suffix: input.suffix,
      sampling: {
        temperature: 0.6,
        topP: 0.95,
        topK: 0,
        seed: undefined,
        maxNewTokens: 512,
        maxNewTokensDefaulted: true,
        stop: [],
        n: 1,
      },
      diffusion: {
        steps: 64,
        algorithm: 'p2',
        algTemp: 0,
        lengthPolicy: 'fixed',
        middleLength: 32,
        referenceMiddle: undefined,
        lengthHint: undefined,
        candidateLengths: [8, 16],
      },
    });
  });

  it('keeps an explicit zero temperature (greedy) instead of the default', () => {
    const params = validateGenerateRequest(
      { input, sampling: { temperature: 0, stop: [] } },
      defaults,
      DEFAULT_LIMITS,
    );
    expect(params.sampling.temperature).toBe(0);
  });

  it('maps diffusion enums to algorithm and policy names', () => {
    const params = validateGenerateRequest(
      {
        input,
        diffusion: {
          algorithm: DiffusionAlgorithm.DIFFUSION_ALGORITHM_P2_LEGACY,
          lengthPolicy: LengthPolicy.LENGTH_POLICY_ORACLE,
          referenceMiddle: 'return a + b',
          candidateLengths: [],
        },
      },
      defaults,
      DEFAULT_LIMITS,
    );
    expect(params.diffusion.algorithm).toBe('p2-legacy');
    expect(params.diffusion.lengthPolicy).toBe('oracle');
    expect(params.diffusion.middleLength).toBeUndefined();
  });

  it.each([
    [{ input: { prefix: '', suffix: '' } }, 'input must have a non-empty prefix or suffix'],
    [{ input: undefined }, 'input must have a non-empty prefix or suffix'],
    [
      { input, sampling: { temperature: -1, stop: [] } },
      'sampling.temperature must be a number >= 0 and <= 100, got -1',
    ],
    [
      { input, sampling: { temperature: NaN, stop: [] } },
      'sampling.temperature must be a number >= 0 and <= 100, got NaN',
    ],
    [{ input, sampling: { topP: 0, stop: [] } }, 'sampling.top_p must be a number > 0 and <= 1, got 0'],
    [{ input, sampling: { topP: 1.5, stop: [] } }, 'sampling.top_p must be a number > 0 and <= 1, got 1.5'],
    [
      { input, sampling: { maxNewTokens: 0, stop: [] } },
      'sampling.max_new_tokens must be an integer between 1 and 2048, got 0',
    ],
    [
      { input, sampling: { maxNewTokens: 4_000_000, stop: [] } },
      "sampling.max_new_tokens must be an integer between 1 and 2048, got 4000000 (this server's limit is 2048)",
    ],
    [{ input, sampling: { n: 0, stop: [] } }, 'sampling.n must be an integer between 1 and 16, got 0'],
    [{ input, sampling: { stop: ['ok', ''] } }, 'sampling.stop[1] must not be empty'],
    [
      { input, diffusion: { steps: 0, candidateLengths: [] } },
      'diffusion.steps must be an integer between 1 and 1024, got 0',
    ],
    [
      { input, diffusion: { algorithm: 99, candidateLengths: [] } },
      'diffusion.algorithm is not a valid DiffusionAlgorithm: got 99',
    ],
    [
      { input, diffusion: { lengthPolicy: LengthPolicy.LENGTH_POLICY_ORACLE, candidateLengths: [] } },
      'diffusion.reference_middle is required when diffusion.length_policy is LENGTH_POLICY_ORACLE',
    ],
    [
      { input, diffusion: { lengthPolicy: LengthPolicy.LENGTH_POLICY_HINT, candidateLengths: [] } },
      'diffusion.length_hint is required when diffusion.length_policy is LENGTH_POLICY_HINT',
    ],
    [
      { input, diffusion: { candidateLengths: [4, 0] } },
      'diffusion.candidate_lengths[1] must be an integer between 1 and 2048, got 0',
    ],
  ])('rejects %j with a message naming the field', (request, message) => {
    const error = rejection(request as Parameters<typeof validateGenerateRequest>[0]);
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.message).toContain(message);
  });
});
