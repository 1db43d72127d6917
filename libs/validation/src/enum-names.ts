import { DiffusionAlgorithm, LengthPolicy, ScoreMode, SelectionStrategy } from '@ensemble/proto';

/**
 * Our names for the proto enums, one table each (name -> wire value); the reverse tables used to read requests
 * are derived from them, so the two directions cannot drift apart.
 */
export type DiffusionAlgorithmName =
  'p2' | 'p2-legacy' | 'maskgit_plus' | 'entropy' | 'topk_margin' | 'origin';
export type LengthPolicyName = 'fixed' | 'oracle' | 'hint' | 'search';
export type ScoreModeName = 'fim' | 'prefix_only' | 'masked_one_shot' | 'masked_monte_carlo';
export type SelectionStrategyName = 'seed' | 'fim' | 'cross' | 'structural' | 'learned';

export const ALGORITHM_VALUES: Record<DiffusionAlgorithmName, DiffusionAlgorithm> = {
  p2: DiffusionAlgorithm.DIFFUSION_ALGORITHM_P2,
  'p2-legacy': DiffusionAlgorithm.DIFFUSION_ALGORITHM_P2_LEGACY,
  maskgit_plus: DiffusionAlgorithm.DIFFUSION_ALGORITHM_MASKGIT_PLUS,
  entropy: DiffusionAlgorithm.DIFFUSION_ALGORITHM_ENTROPY,
  topk_margin: DiffusionAlgorithm.DIFFUSION_ALGORITHM_TOPK_MARGIN,
  origin: DiffusionAlgorithm.DIFFUSION_ALGORITHM_ORIGIN,
};

export const LENGTH_POLICY_VALUES: Record<LengthPolicyName, LengthPolicy> = {
  fixed: LengthPolicy.LENGTH_POLICY_FIXED,
  oracle: LengthPolicy.LENGTH_POLICY_ORACLE,
  hint: LengthPolicy.LENGTH_POLICY_HINT,
  search: LengthPolicy.LENGTH_POLICY_SEARCH,
};

export const SCORE_MODE_VALUES: Record<ScoreModeName, ScoreMode> = {
  fim: ScoreMode.SCORE_MODE_FIM,
  prefix_only: ScoreMode.SCORE_MODE_PREFIX_ONLY,
  masked_one_shot: ScoreMode.SCORE_MODE_MASKED_ONE_SHOT,
  masked_monte_carlo: ScoreMode.SCORE_MODE_MASKED_MONTE_CARLO,
};

export const STRATEGY_VALUES: Record<SelectionStrategyName, SelectionStrategy> = {
  seed: SelectionStrategy.SELECTION_STRATEGY_SEED,
  fim: SelectionStrategy.SELECTION_STRATEGY_FIM,
  cross: SelectionStrategy.SELECTION_STRATEGY_CROSS,
  structural: SelectionStrategy.SELECTION_STRATEGY_STRUCTURAL,
  learned: SelectionStrategy.SELECTION_STRATEGY_LEARNED,
};

function byValue<N extends string>(values: Record<N, number>): Record<number, N> {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [value, name])) as Record<
    number,
    N
  >;
}

export const ALGORITHM_NAMES = byValue(ALGORITHM_VALUES);
export const LENGTH_POLICY_NAMES = byValue(LENGTH_POLICY_VALUES);
export const SCORE_MODE_NAMES = byValue(SCORE_MODE_VALUES);
export const STRATEGY_NAMES = byValue(STRATEGY_VALUES);
