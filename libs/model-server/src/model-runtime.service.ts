import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import { findProjectPath } from '@ensemble/config';
import { Counter, Histogram } from 'prom-client';
import { GrpcMetrics, HealthService, JsonLogger, UnavailableError } from '@ensemble/grpc';
import {
  createSession,
  ModelDirectory,
  ModelDirectoryError,
  openModelDirectory,
  reconcileWithGraph,
  SessionRunner,
  warmUp,
} from '@ensemble/inference';
import { ModelTokenizer } from '@ensemble/tokenizer';
import type { InferenceEngine } from './engine';
import type { ModelServerConfig } from './model-server.config';
import type { ModelServerProfile } from './model-server.profile';
import { MODEL_SERVER_CONFIG, MODEL_SERVER_PROFILE } from './tokens';

export interface LoadedModel {
  directory: ModelDirectory;
  runner: SessionRunner;
  tokenizer: ModelTokenizer;
  engine: InferenceEngine;
  loadMs: number;
}

/**
 * Owns the model: opens the directory, creates the onnxruntime session on the configured provider, runs a warm-up
 * forward and only then reports SERVING. Until then every model RPC gets UNAVAILABLE, so a client (or the
 * orchestrator) retries another replica instead of waiting behind a load.
 */
@Injectable()
export class ModelRuntime implements OnModuleDestroy {
  private loaded: LoadedModel | undefined;

  constructor(
    @Inject(MODEL_SERVER_PROFILE) private readonly profile: ModelServerProfile,
    @Inject(MODEL_SERVER_CONFIG) private readonly config: ModelServerConfig,
    private readonly health: HealthService,
    private readonly logger: JsonLogger,
    private readonly metrics: GrpcMetrics,
  ) {}

  async load(): Promise<LoadedModel> {
    const startedAt = performance.now();
    const dir = this.resolveModelDir();
    const opened = openModelDirectory(dir, this.profile.kind);
    this.logger.log(
      {
        msg: 'loading model',
        modelDir: opened.path,
        model: opened.manifest.name,
        provider: this.config.session.provider,
      },
      'model',
    );
    const session = await createSession(opened.graphPath, this.config.session);
    const directory = { ...opened, manifest: reconcileWithGraph(opened.manifest, session) };
    await warmUp(session, directory.manifest);
    const runner = new SessionRunner(session, this.forwardObserver());
    const tokenizer = ModelTokenizer.fromFile(directory.tokenizerPath);
    const engine = this.profile.createEngine({ directory, runner, tokenizer }, this.config);
    this.loaded = { directory, runner, tokenizer, engine, loadMs: performance.now() - startedAt };
    this.health.markServing();
    this.logger.log(
      { msg: 'model ready', model: directory.manifest.name, loadMs: Math.round(this.loaded.loadMs) },
      'model',
    );
    return this.loaded;
  }

  /** The loaded model, or UNAVAILABLE while it is still loading. */
  ready(): LoadedModel {
    if (!this.loaded)
      throw new UnavailableError(`${this.profile.appName} is still loading its model; retry shortly`);
    return this.loaded;
  }

  async onModuleDestroy(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    await loaded?.runner.session.release();
  }

  /** Forward passes by kind (prefill, decode, score, ...) and their duration, for metrics. */
  private forwardObserver(): (kind: string, seconds: number) => void {
    const registers = [this.metrics.registry];
    const count = new Counter({
      name: 'ensemble_forward_passes_total',
      help: 'Forward passes of the model, by kind.',
      labelNames: ['kind'],
      registers,
    });
    const duration = new Histogram({
      name: 'ensemble_forward_seconds',
      help: 'Duration of one forward pass, by kind.',
      labelNames: ['kind'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    return (kind, seconds) => {
      count.inc({ kind });
      duration.observe({ kind }, seconds);
    };
  }

  private resolveModelDir(): string {
    if (this.config.modelDir) return this.config.modelDir;
    const bundled = findProjectPath(this.profile.bundledModelDir);
    if (!bundled) {
      throw new ModelDirectoryError(
        `MODEL_DIR is unset and the bundled model ${this.profile.bundledModelDir} is not in this installation; ` +
          'set MODEL_DIR to a model directory made by tools/export',
      );
    }
    return bundled;
  }
}
