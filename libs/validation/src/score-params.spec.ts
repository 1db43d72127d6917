import { ScoreMode } from '@ensemble/proto';
import { DEFAULT_LIMITS } from './limits';
import { validateScoreRequest } from './score-params';

const input = { prefix: 'x = ', suffix: '\n' };

describe('validateScoreRequest', () => {
  it('uses the model default mode when unspecified', () => {
    const params = validateScoreRequest({ input, candidates: ['1'] }, ['fim', 'prefix_only'], DEFAULT_LIMITS);
    expect(params.mode).toBe('fim');
    expect(params.candidates).toEqual(['1']);
  });

  it('rejects a mode the model does not implement, listing the ones it does', () => {
    expect(() =>
      validateScoreRequest(
        { input, candidates: ['1'], mode: ScoreMode.SCORE_MODE_MASKED_ONE_SHOT },
        ['fim', 'prefix_only'],
        DEFAULT_LIMITS,
      ),
    ).toThrow('mode masked_one_shot is not supported by this model; supported: fim, prefix_only');
  });

  it('requires at least one candidate and bounds the count', () => {
    expect(() => validateScoreRequest({ input, candidates: [] }, ['fim'], DEFAULT_LIMITS)).toThrow(
      'candidates must contain at least one candidate',
    );
    const many = Array.from({ length: DEFAULT_LIMITS.maxCandidates + 1 }, () => 'y');
    expect(() => validateScoreRequest({ input, candidates: many }, ['fim'], DEFAULT_LIMITS)).toThrow(
      `candidates may have at most ${DEFAULT_LIMITS.maxCandidates} entries`,
    );
  });
});
