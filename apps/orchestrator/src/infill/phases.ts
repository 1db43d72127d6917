import { status } from '@grpc/grpc-js';
import {
  BackendFailure,
  Candidate,
  DiffusionParams,
  FinishReason,
  GenerateResponse,
  InfillInput,
  LengthPolicy,
  ModelKind,
  SamplingParams,
  ScoreCell,
  ScoreMode,
} from '@ensemble/proto';
import { statusName } from '@ensemble/grpc';
import { ModelBackend, BackendCallOptions } from '../backends/model-backend';

export interface GenerationInput {
  input: InfillInput;
  sampling: SamplingParams | undefined;
  diffusion: DiffusionParams | undefined;
}

export interface GenerationPhase {
  candidates: Candidate[];
  failures: BackendFailure[];
}

/** A backend failure as the response reports it (phase, status code name, message). */
export function failureOf(backend: string, phase: string, error: unknown): BackendFailure {
  const code = (error as { code?: number }).code;
  return {
    backend,
    phase,
    code: typeof code === 'number' ? statusName(code) : statusName(status.UNKNOWN),
    message: (error as { details?: string }).details || (error as Error).message || String(error),
  };
}

function candidatesOf(backend: ModelBackend, response: GenerateResponse): Candidate[] {
  return response.completions.map((completion) => ({
    backend: backend.name,
    model: response.model,
    completion,
    scores: [],
  }));
}

const isDiffusion = (backend: ModelBackend) => backend.info?.kind === ModelKind.MODEL_KIND_DIFFUSION;

/**
 * Fan-out: Generate on every backend at once. With `arHint`, diffusion backends that got no length policy wait for
 * the first autoregressive candidate and use its token length (sequential, so slower; off by default).
 */
export async function generateAll(
  backends: ModelBackend[],
  request: GenerationInput,
  call: BackendCallOptions,
  arHint: boolean,
): Promise<GenerationPhase> {
  const failures: BackendFailure[] = [];
  const run = async (backend: ModelBackend, diffusion = request.diffusion) => {
    try {
      return candidatesOf(backend, await backend.generate({ ...request, diffusion }, call));
    } catch (error) {
      failures.push(failureOf(backend.name, 'generate', error));
      return [];
    }
  };
  const wantsHint = (backend: ModelBackend) =>
    arHint &&
    isDiffusion(backend) &&
    !request.diffusion?.lengthPolicy &&
    backends.some((other) => !isDiffusion(other));
  const first = await Promise.all(
    backends.map((backend) => (wantsHint(backend) ? Promise.resolve([]) : run(backend))),
  );
  const arCandidate = first
    .flat()
    .find((candidate) => !isDiffusion(backends.find((b) => b.name === candidate.backend) as ModelBackend));
  const hinted = await Promise.all(
    backends.filter(wantsHint).map((backend) => {
      const completion = arCandidate?.completion;
      // The AR count includes a stop token that is not part of the text.
      const length = completion
        ? Math.max(
            1,
            completion.completionTokens -
              (completion.finishReason === FinishReason.FINISH_REASON_EOS ? 1 : 0),
          )
        : undefined;
      const diffusion: DiffusionParams | undefined = length
        ? {
            algorithm: 0,
            candidateLengths: [],
            ...request.diffusion,
            lengthPolicy: LengthPolicy.LENGTH_POLICY_HINT,
            lengthHint: length,
          }
        : request.diffusion;
      return run(backend, diffusion);
    }),
  );
  return { candidates: [...first.flat(), ...hinted.flat()], failures };
}

/** The score modes a backend is asked for: everything it implements except the Monte-Carlo estimate (costly). */
export function scoreModesOf(backend: ModelBackend): ScoreMode[] {
  const modes = backend.info?.scoreModes ?? [];
  return modes.filter((mode) => mode !== ScoreMode.SCORE_MODE_MASKED_MONTE_CARLO);
}

/**
 * Cross-scoring: every backend scores every distinct candidate text in each of its modes (one Score call per
 * backend and mode, all at once). Each candidate gets its full row; a failed scorer leaves a cell with the error.
 */
export async function scoreAll(
  backends: ModelBackend[],
  input: InfillInput,
  candidates: Candidate[],
  call: BackendCallOptions,
): Promise<BackendFailure[]> {
  const texts = [...new Set(candidates.map((candidate) => candidate.completion?.text ?? ''))];
  const failures: BackendFailure[] = [];
  const jobs = backends.flatMap((backend) => scoreModesOf(backend).map((mode) => ({ backend, mode })));
  const results = await Promise.all(
    jobs.map(async ({ backend, mode }) => {
      try {
        const response = await backend.score(
          { input, candidates: texts, mode, includeEos: false, returnTokenLogprobs: false },
          call,
        );
        return { backend, mode, scores: response.scores, error: undefined };
      } catch (error) {
        const failure = failureOf(backend.name, 'score', error);
        failures.push(failure);
        return { backend, mode, scores: [], error: `${failure.code}: ${failure.message}` };
      }
    }),
  );
  for (const candidate of candidates) {
    const index = texts.indexOf(candidate.completion?.text ?? '');
    candidate.scores = results.map(({ backend, mode, scores, error }): ScoreCell => ({
      scorer: backend.name,
      mode,
      score: error ? undefined : scores[index],
      error: error ?? '',
    }));
  }
  return failures;
}
