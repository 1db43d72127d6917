import { DynamicModule, Global, Module } from '@nestjs/common';
import type { ServerConfig } from '@ensemble/config';
import { HealthService } from '../health/health.service';
import { JsonLogger } from '../logging/json-logger';
import { GrpcMetrics } from '../metrics/grpc-metrics';

/** Injection token of the validated ServerConfig. */
export const SERVER_CONFIG = Symbol('SERVER_CONFIG');

/** The shared pieces every server gets, created before Nest so the transport options can use them too. */
export interface GrpcKit {
  appName: string;
  config: ServerConfig;
  logger: JsonLogger;
  metrics: GrpcMetrics;
  health: HealthService;
}

export function createGrpcKit(appName: string, config: ServerConfig, services: string[]): GrpcKit {
  const metrics = new GrpcMetrics(appName);
  return {
    appName,
    config,
    logger: new JsonLogger(appName, config.logLevel),
    metrics,
    health: new HealthService(services, metrics.serving),
  };
}

/** Makes the kit injectable in app services: HealthService, GrpcMetrics, JsonLogger and SERVER_CONFIG. */
@Global()
@Module({})
export class GrpcKitModule {
  static forKit(kit: GrpcKit): DynamicModule {
    const providers = [
      { provide: HealthService, useValue: kit.health },
      { provide: GrpcMetrics, useValue: kit.metrics },
      { provide: JsonLogger, useValue: kit.logger },
      { provide: SERVER_CONFIG, useValue: kit.config },
    ];
    return { module: GrpcKitModule, providers, exports: providers.map((p) => p.provide) };
  }
}
