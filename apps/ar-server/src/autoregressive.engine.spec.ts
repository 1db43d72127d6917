import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findProjectPath } from '@ensemble/config';
import { RequestContext } from '@ensemble/grpc';
import { createSession, openModelDirectory, SessionRunner } from '@ensemble/inference';
import { toModelServerConfig, modelServerEnvSchema } from '@ensemble/model-server';
import { parseConfig } from '@ensemble/config';
import type { GenerationParams, ScoreParams } from '@ensemble/validation';
import { AutoregressiveEngine } from './autoregressive.engine';
import { AR_SERVER_PROFILE } from './ar-server.profile';

/**
 * The engine against references that transformers computed on the same checkpoint (tools/export wrote them next
 * to the fixture): greedy generation token for token, and log-likelihoods in both scoring modes.
 */
const dir = findProjectPath('test/fixtures/models/tiny-ar') as string;
const read = <T>(name: string) => JSON.parse(readFileSync(join(dir, 'reference', name), 'utf8')) as T;

interface GenerationCase {
  name: string;
  prefix: string;
  suffix: string;
  prompt_ids: number[];
  max_new_tokens: number;
  generated_ids: number[];
  stop_token: number | null;
  finish_reason: 'eos' | 'length';
  text: string;
}
interface ScoreCase {
  name: string;
  mode: 'fim' | 'prefix_only';
  prefix: string;
  suffix: string;
  include_eos: boolean;
  candidates: Array<{
    candidate: string;
    token_ids: number[];
    logprobs: number[];
    sum_logprob: number;
    token_count: number;
  }>;
}

const generation = read<{ cases: GenerationCase[] }>('generation.json').cases;
const scores = read<{ cases: ScoreCase[] }>('scores.json').cases;

describe('AutoregressiveEngine against transformers on the tiny fixture', () => {
  let runner: SessionRunner;
  let engine: AutoregressiveEngine;

  beforeAll(async () => {
    const directory = openModelDirectory(dir, 'autoregressive');
    runner = new SessionRunner(
      await createSession(directory.graphPath, { provider: 'cpu', intraOpThreads: 1, interOpThreads: 1 }),
    );
    const config = toModelServerConfig(
      parseConfig(modelServerEnvSchema({ grpcPort: 1, metricsPort: 0 }), { ALLOW_PLAINTEXT: 'true' }),
    );
    engine = new AutoregressiveEngine({ directory, runner }, config);
  });
  afterAll(async () => runner?.session.release());

  const context = () => RequestContext.detached('test');

  it('has eos and length cases to compare against', () => {
    expect(generation.map((c) => c.finish_reason)).toEqual(expect.arrayContaining(['eos', 'length']));
  });

  it.each(generation.map((c) => [c.name, c] as const))(
    'greedy %s: same text, length and finish reason',
    async (_name, c) => {
      const params: GenerationParams = {
        prefix: c.prefix,
        suffix: c.suffix,
        sampling: {
          temperature: 0,
          topP: 1,
          topK: 0,
          seed: 0,
          maxNewTokens: c.max_new_tokens,
          maxNewTokensDefaulted: false,
          stop: [],
          n: 1,
        },
        diffusion: {
          ...AR_SERVER_PROFILE.defaults.diffusion,
          referenceMiddle: undefined,
          lengthHint: undefined,
        },
      };
      const [completion] = await engine.generate(params, context());
      expect(completion.promptTokens).toBe(c.prompt_ids.length);
      expect(completion.text).toBe(c.text);
      expect(completion.finishReason).toBe(c.finish_reason);
      // The stop token is generated (and counted) but not part of the text.
      expect(completion.completionTokens).toBe(c.generated_ids.length + (c.stop_token === null ? 0 : 1));
    },
  );

  it.each(scores.map((c) => [c.name, c] as const))(
    'scores %s within 1e-4 of transformers',
    async (_name, c) => {
      const params: ScoreParams = {
        prefix: c.prefix,
        suffix: c.suffix,
        candidates: c.candidates.map((candidate) => candidate.candidate),
        mode: c.mode,
        includeEos: c.include_eos,
        returnTokenLogprobs: true,
        monteCarloSamples: 1,
        seed: undefined,
      };
      const result = await engine.score(params, context());
      result.scores.forEach((score, i) => {
        const expected = c.candidates[i];
        expect(score.tokenCount).toBe(expected.token_count);
        expect(score.tokens?.map((token) => token.id)).toEqual(expected.token_ids);
        score.tokens?.forEach((token, k) =>
          expect(Math.abs(token.logprob - expected.logprobs[k])).toBeLessThan(1e-4),
        );
        expect(Math.abs(score.sumLogprob - expected.sum_logprob)).toBeLessThan(
          1e-4 * Math.max(1, expected.token_count),
        );
      });
    },
  );
});
