import { ScoreRequest } from '@ensemble/proto';
import { InvalidArgumentError } from '@ensemble/grpc';
import { enumValue, integerInRange, isSet, maxLength } from './checks';
import { SCORE_MODE_NAMES, ScoreModeName } from './enum-names';
import { RequestLimits } from './limits';
import { validateInput } from './generation-params';

export interface ScoreParams {
  prefix: string;
  suffix: string;
  candidates: string[];
  mode: ScoreModeName;
  includeEos: boolean;
  returnTokenLogprobs: boolean;
  monteCarloSamples: number;
  seed: number | undefined;
}

/**
 * Score request -> validated parameters. `supported` lists the modes this model implements, its default first;
 * asking a model for a mode it cannot compute is the client's error, not the server's.
 */
export function validateScoreRequest(
  request: Partial<ScoreRequest>,
  supported: readonly ScoreModeName[],
  limits: RequestLimits,
): ScoreParams {
  const { prefix, suffix } = validateInput(request.input, limits);
  const candidates = request.candidates ?? [];
  if (candidates.length === 0)
    throw new InvalidArgumentError('candidates', 'must contain at least one candidate');
  if (candidates.length > limits.maxCandidates) {
    throw new InvalidArgumentError(
      'candidates',
      `may have at most ${limits.maxCandidates} entries, got ${candidates.length}`,
    );
  }
  candidates.forEach((candidate, i) => maxLength(`candidates[${i}]`, candidate, limits.maxInputChars));

  const mode = !request.mode ? supported[0] : enumValue('mode', request.mode, SCORE_MODE_NAMES, 'ScoreMode');
  if (!supported.includes(mode)) {
    throw new InvalidArgumentError(
      'mode',
      `${mode} is not supported by this model; supported: ${supported.join(', ')}`,
    );
  }
  return {
    prefix,
    suffix,
    candidates,
    mode,
    includeEos: request.includeEos ?? false,
    returnTokenLogprobs: request.returnTokenLogprobs ?? false,
    monteCarloSamples: isSet(request.monteCarloSamples)
      ? integerInRange('monte_carlo_samples', request.monteCarloSamples, 1, 256)
      : 8,
    seed: isSet(request.seed) ? integerInRange('seed', request.seed, 0, 0xffffffff) : undefined,
  };
}
