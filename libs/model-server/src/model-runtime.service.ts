import { Inject, Injectable, OnModuleDestroy } from '@nestjs/common';
import type { InferenceSession } from 'onnxruntime-node';
import { findProjectPath } from '@ensemble/config';
import { HealthService, JsonLogger, UnavailableError } from '@ensemble/grpc';
import {
  createSession,
  ModelDirectory,
  ModelDirectoryError,
  openModelDirectory,
  warmUp,
} from '@ensemble/inference';
import type { ModelServerConfig } from './model-server.config';
import type { ModelServerProfile } from './model-server.profile';
import { MODEL_SERVER_CONFIG, MODEL_SERVER_PROFILE } from './tokens';

export interface LoadedModel {
  directory: ModelDirectory;
  session: InferenceSession;
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
  ) {}

  async load(): Promise<LoadedModel> {
    const startedAt = performance.now();
    const dir = this.resolveModelDir();
    const directory = openModelDirectory(dir, this.profile.kind);
    this.logger.log(
      {
        msg: 'loading model',
        modelDir: directory.path,
        model: directory.manifest.name,
        provider: this.config.session.provider,
      },
      'model',
    );
    const session = await createSession(directory.graphPath, this.config.session);
    await warmUp(session, directory.manifest);
    this.loaded = { directory, session, loadMs: performance.now() - startedAt };
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
    await loaded?.session.release();
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
