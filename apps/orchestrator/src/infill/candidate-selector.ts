import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { Candidate, InfillInput, ModelKind, ScoreMode, Selection, SelectionStrategy } from '@ensemble/proto';
import { FailedPreconditionError } from '@ensemble/grpc';
import {
  ALL_STRATEGIES,
  applyStrategy,
  Candidate as SelectionCandidate,
  LearnedModel,
  loadLearnedModel,
  loadPythonSyntax,
  ScoreRow,
  SelectionError,
  StrategyName,
  SyntaxChecker,
  TaskShape,
} from '@ensemble/selection';
import { SCORE_MODE_NAMES, STRATEGY_NAMES, STRATEGY_VALUES } from '@ensemble/validation';
import type { BackendRegistry } from '../backends/backend-registry.service';
import { ORCHESTRATOR_CONFIG, OrchestratorConfig } from '../orchestrator.config';

export interface SelectContext {
  input: InfillInput;
  shape: TaskShape;
  parseFilter: boolean;
}

/**
 * Adapter between the wire (candidates with score cells) and libs/selection's pure strategies: builds the score
 * matrix, loads the Python parser once and the learned strategy's weights when configured.
 */
@Injectable()
export class CandidateSelector implements OnModuleInit {
  private syntax: SyntaxChecker | undefined;
  private learned: LearnedModel | undefined;

  constructor(@Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig) {}

  async onModuleInit(): Promise<void> {
    this.syntax = await loadPythonSyntax();
    if (this.config.selectorWeights) this.learned = loadLearnedModel(this.config.selectorWeights);
  }

  /** Strategies to report: the requested ones, or every strategy that can run here (learned needs weights). */
  strategiesFor(requested: SelectionStrategy[]): StrategyName[] {
    if (requested.length > 0) return requested.map((value) => STRATEGY_NAMES[value]);
    return ALL_STRATEGIES.filter((name) => name !== 'learned' || this.learned !== undefined);
  }

  select(
    strategy: StrategyName,
    candidates: Candidate[],
    registry: BackendRegistry,
    context: SelectContext,
  ): Selection {
    const [selectionCandidates, matrix] = this.toMatrix(candidates, registry);
    try {
      const result = applyStrategy(
        strategy,
        selectionCandidates,
        matrix,
        { ...context.input, shape: context.shape },
        {
          syntax: this.syntax,
          parseFilter: context.parseFilter,
          learnedModel: this.learned,
        },
      );
      return {
        strategy: STRATEGY_VALUES[result.strategy],
        candidateIndex: result.index,
        reason: result.reason,
        decidingValues: result.decidingValues,
      };
    } catch (error) {
      if (error instanceof SelectionError)
        throw new FailedPreconditionError(`strategy ${strategy}: ${error.message}`);
      throw error;
    }
  }

  selectAll(
    strategies: StrategyName[],
    candidates: Candidate[],
    registry: BackendRegistry,
    context: SelectContext,
  ): Selection[] {
    return strategies.map((strategy) => this.select(strategy, candidates, registry, context));
  }

  private toMatrix(candidates: Candidate[], registry: BackendRegistry): [SelectionCandidate[], ScoreRow[]] {
    const kinds = new Map(registry.backends.map((backend) => [backend.name, backend.info?.kind]));
    const selectionCandidates = candidates.map((candidate): SelectionCandidate => ({
      backend: candidate.backend,
      kind: kinds.get(candidate.backend) === ModelKind.MODEL_KIND_DIFFUSION ? 'diffusion' : 'autoregressive',
      text: candidate.completion?.text ?? '',
      sampleIndex: candidate.completion?.sampleIndex ?? 0,
    }));
    const matrix = candidates.map((candidate) => {
      const row: Record<string, Record<string, unknown>> = {};
      for (const cell of candidate.scores) {
        if (!cell.score || cell.error) continue;
        const mode = SCORE_MODE_NAMES[cell.mode as ScoreMode];
        if (!mode) continue;
        row[cell.scorer] ??= {};
        const { sumLogprob, tokenCount, meanNll, perplexity } = cell.score;
        row[cell.scorer][mode] = { sumLogprob, tokenCount, meanNll, perplexity };
      }
      return row as ScoreRow;
    });
    return [selectionCandidates, matrix];
  }
}
