import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { clientCredentials, JsonLogger } from '@ensemble/grpc';
import { ORCHESTRATOR_CONFIG, OrchestratorConfig } from '../orchestrator.config';
import { ModelBackend } from './model-backend';

/**
 * The configured model backends. At start-up it reads each backend's GetModelInfo (retrying until the backend
 * answers, without blocking the orchestrator), and it keeps a health check running so Infill can skip a backend
 * that is known to be down instead of waiting for its timeout.
 */
@Injectable()
export class BackendRegistry implements OnModuleInit, OnModuleDestroy {
  readonly backends: ModelBackend[];
  /** The next health check of each backend. */
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private closed = false;

  constructor(
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
    private readonly logger: JsonLogger,
  ) {
    // One credentials object for all backends: the PEM files are read once, at start-up.
    const credentials = clientCredentials(config.backendTls);
    this.backends = config.backends.map((target) => new ModelBackend(target, credentials));
  }

  onModuleInit(): void {
    for (const backend of this.backends) {
      void this.watch(backend);
    }
  }

  onModuleDestroy(): void {
    this.closed = true;
    this.timers.forEach((timer) => clearTimeout(timer));
    this.timers.clear();
    this.backends.forEach((backend) => backend.close());
  }

  byNames(names: string[]): ModelBackend[] {
    return names.length === 0
      ? this.backends
      : this.backends.filter((backend) => names.includes(backend.name));
  }

  private async watch(backend: ModelBackend): Promise<void> {
    const wasServing = backend.serving;
    const serving = await backend.checkHealth(this.config.healthCheckTimeoutMs);
    // Read again after an outage: a restarted backend may serve another model or limits.
    if (serving && (!backend.info || wasServing === false)) {
      try {
        const info = await backend.refreshInfo(this.config.healthCheckTimeoutMs);
        this.logger.log(
          {
            msg: 'backend ready',
            backend: backend.name,
            target: backend.target.target,
            model: info.name,
            kind: info.kind,
          },
          'backends',
        );
      } catch (error) {
        backend.lastError = (error as Error).message;
      }
    }
    // A check that only timed out may leave the state as it was: log changes, not checks.
    if (wasServing !== backend.serving) {
      const entry = {
        msg: serving ? 'backend serving' : 'backend not serving',
        backend: backend.name,
        reason: backend.lastError,
      };
      if (serving) this.logger.log(entry, 'backends');
      else this.logger.warn(entry, 'backends');
    }
    if (this.closed) return;
    const timer = setTimeout(() => void this.watch(backend), this.config.healthCheckIntervalMs);
    timer.unref();
    this.timers.set(backend.name, timer);
  }
}
