import { DiffusionParams, InfillInput, SamplingParams } from '@ensemble/proto';
import { InvalidArgumentError } from '@ensemble/grpc';
import { enumValue, finiteInRange, integerInRange, isSet, maxLength } from './checks';
import { ALGORITHM_NAMES, DiffusionAlgorithmName, LENGTH_POLICY_NAMES, LengthPolicyName } from './enum-names';
import { RequestLimits } from './limits';

export interface Sampling {
  temperature: number;
  topP: number;
  /** 0: disabled. */
  topK: number;
  /** Undefined: the engine draws one (and echoes it). */
  seed: number | undefined;
  maxNewTokens: number;
  /** True when maxNewTokens is the server default, which an engine may shorten to fit its context window. */
  maxNewTokensDefaulted: boolean;
  stop: string[];
  n: number;
}

export interface Diffusion {
  steps: number;
  algorithm: DiffusionAlgorithmName;
  algTemp: number;
  lengthPolicy: LengthPolicyName;
  middleLength: number | undefined;
  referenceMiddle: string | undefined;
  lengthHint: number | undefined;
  candidateLengths: number[];
}

/** What a model server generates from: the request after validation, with every default resolved. */
export interface GenerationParams {
  prefix: string;
  suffix: string;
  sampling: Sampling;
  diffusion: Diffusion;
}

export interface GenerationDefaults {
  sampling: Omit<Sampling, 'seed' | 'stop' | 'maxNewTokensDefaulted'>;
  /** middleLength is the canvas length a `fixed` policy uses when the request gives none. */
  diffusion: Omit<Diffusion, 'middleLength' | 'referenceMiddle' | 'lengthHint'> & { middleLength: number };
}

export interface GenerateLikeRequest {
  input?: InfillInput | null;
  sampling?: SamplingParams | null;
  diffusion?: DiffusionParams | null;
}

export function validateInput(
  input: InfillInput | null | undefined,
  limits: RequestLimits,
): { prefix: string; suffix: string } {
  const prefix = maxLength('input.prefix', input?.prefix ?? '', limits.maxInputChars);
  const suffix = maxLength('input.suffix', input?.suffix ?? '', limits.maxInputChars);
  if (prefix === '' && suffix === '') {
    throw new InvalidArgumentError('input', 'must have a non-empty prefix or suffix');
  }
  return { prefix, suffix };
}

export function validateSampling(
  sampling: SamplingParams | null | undefined,
  defaults: GenerationDefaults['sampling'],
  limits: RequestLimits,
): Sampling {
  const s = sampling ?? ({} as Partial<SamplingParams>);
  const stop = (s.stop ?? []).slice();
  if (stop.length > limits.maxStopSequences) {
    throw new InvalidArgumentError(
      'sampling.stop',
      `may have at most ${limits.maxStopSequences} entries, got ${stop.length}`,
    );
  }
  stop.forEach((entry, i) => {
    if (entry === '') throw new InvalidArgumentError(`sampling.stop[${i}]`, 'must not be empty');
    maxLength(`sampling.stop[${i}]`, entry, limits.maxStopLength);
  });
  return {
    temperature: isSet(s.temperature)
      ? finiteInRange('sampling.temperature', s.temperature, { min: 0, max: 100 })
      : defaults.temperature,
    topP: isSet(s.topP)
      ? finiteInRange('sampling.top_p', s.topP, { min: 0, max: 1, minExclusive: true })
      : defaults.topP,
    topK: isSet(s.topK) ? integerInRange('sampling.top_k', s.topK, 0, 1_000_000) : defaults.topK,
    seed: isSet(s.seed) ? integerInRange('sampling.seed', s.seed, 0, 0xffffffff) : undefined,
    maxNewTokens: isSet(s.maxNewTokens)
      ? integerInRange('sampling.max_new_tokens', s.maxNewTokens, 1, limits.maxNewTokens)
      : Math.min(defaults.maxNewTokens, limits.maxNewTokens),
    maxNewTokensDefaulted: !isSet(s.maxNewTokens),
    stop,
    n: isSet(s.n) ? integerInRange('sampling.n', s.n, 1, limits.maxSamples) : defaults.n,
  };
}

export function validateDiffusion(
  diffusion: DiffusionParams | null | undefined,
  defaults: GenerationDefaults['diffusion'],
  limits: RequestLimits,
): Diffusion {
  const d = diffusion ?? ({} as Partial<DiffusionParams>);
  const algorithm = !d.algorithm
    ? defaults.algorithm
    : enumValue('diffusion.algorithm', d.algorithm, ALGORITHM_NAMES, 'DiffusionAlgorithm');
  const lengthPolicy = !d.lengthPolicy
    ? defaults.lengthPolicy
    : enumValue('diffusion.length_policy', d.lengthPolicy, LENGTH_POLICY_NAMES, 'LengthPolicy');
  const length = (field: string, value: number) => integerInRange(field, value, 1, limits.maxNewTokens);

  const middleLength = isSet(d.middleLength) ? length('diffusion.middle_length', d.middleLength) : undefined;
  const lengthHint = isSet(d.lengthHint) ? length('diffusion.length_hint', d.lengthHint) : undefined;
  const referenceMiddle = isSet(d.referenceMiddle)
    ? maxLength('diffusion.reference_middle', d.referenceMiddle, limits.maxInputChars)
    : undefined;
  const requested = d.candidateLengths ?? [];
  if (requested.length > 32) {
    throw new InvalidArgumentError(
      'diffusion.candidate_lengths',
      `may have at most 32 entries, got ${requested.length}`,
    );
  }
  const candidateLengths = requested.map((value, i) => length(`diffusion.candidate_lengths[${i}]`, value));

  if (lengthPolicy === 'oracle' && referenceMiddle === undefined) {
    throw new InvalidArgumentError(
      'diffusion.reference_middle',
      'is required when diffusion.length_policy is LENGTH_POLICY_ORACLE',
    );
  }
  if (lengthPolicy === 'hint' && lengthHint === undefined) {
    throw new InvalidArgumentError(
      'diffusion.length_hint',
      'is required when diffusion.length_policy is LENGTH_POLICY_HINT',
    );
  }

  return {
    steps: isSet(d.steps) ? integerInRange('diffusion.steps', d.steps, 1, limits.maxSteps) : defaults.steps,
    algorithm,
    algTemp: isSet(d.algTemp)
      ? finiteInRange('diffusion.alg_temp', d.algTemp, { min: 0, max: 100 })
      : defaults.algTemp,
    lengthPolicy,
    middleLength: middleLength ?? (lengthPolicy === 'fixed' ? defaults.middleLength : undefined),
    referenceMiddle,
    lengthHint,
    candidateLengths: candidateLengths.length > 0 ? candidateLengths : defaults.candidateLengths,
  };
}

/** Request protocol -> validated parameters: the one entry point both model servers use for Generate(Stream). */
export function validateGenerateRequest(
  request: GenerateLikeRequest,
  defaults: GenerationDefaults,
  limits: RequestLimits,
): GenerationParams {
  return {
    ...validateInput(request.input, limits),
    sampling: validateSampling(request.sampling, defaults.sampling, limits),
    diffusion: validateDiffusion(request.diffusion, defaults.diffusion, limits),
  };
}
