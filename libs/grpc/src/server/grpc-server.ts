import { DynamicModule, INestMicroservice, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import type { Server } from '@grpc/grpc-js';
import type { ServerConfig } from '@ensemble/config';
import { HEALTH_SERVICE, loadPackageDefinition, PROTO_PACKAGE } from '@ensemble/proto';
import { GrpcExceptionFilter } from '../errors/grpc-exception.filter';
import { MetricsServer } from '../metrics/metrics-server';
import { createGrpcKit, GrpcKit, GrpcKitModule } from './grpc-kit';
import { ObservabilityInterceptor } from './observability.interceptor';
import { addReflection } from './reflection';

export interface GrpcServerSpec {
  /** Name in logs and metrics, e.g. "ar-server". */
  appName: string;
  /** The app's own module: controllers and the services behind them. */
  module: Type<unknown> | DynamicModule;
  /** Fully qualified services the app implements, e.g. ensemble.v1.ModelService (health and reflection list them). */
  services: string[];
  config: ServerConfig;
}

/**
 * The Nest gRPC transport options for a server: the embedded descriptor set, bind address, message limits, and
 * health + reflection registered on the grpc-js server as it is created. One function, used by main.ts and tests.
 */
export function grpcTransportOptions(
  spec: GrpcServerSpec,
  kit: GrpcKit,
  onServer: (server: Server) => void,
): GrpcOptions {
  const { config } = spec;
  return {
    transport: Transport.GRPC,
    options: {
      url: `${config.host}:${config.grpcPort}`,
      package: [PROTO_PACKAGE],
      packageDefinition: loadPackageDefinition(),
      maxReceiveMessageLength: config.maxMessageBytes,
      maxSendMessageLength: config.maxMessageBytes,
      // Shutdown is ours (drain with a grace period, then force); Nest's close() only has to release resources.
      gracefulShutdown: false,
      onLoadPackageDefinition: (_definition: unknown, server: Server) => {
        kit.health.addToServer(server);
        if (config.reflection) addReflection(server, spec.services);
        onServer(server);
      },
    },
  };
}

/** A started server: its Nest app, the shared kit, and a graceful shutdown. */
export class GrpcServerHandle {
  private closing: Promise<void> | undefined;

  constructor(
    readonly app: INestMicroservice,
    readonly kit: GrpcKit,
    private readonly grpcServer: Server,
    private readonly metricsServer: MetricsServer,
  ) {}

  /**
   * Stop accepting calls, let in-flight ones finish within SHUTDOWN_GRACE_MS, then cancel the rest.
   * Health turns NOT_SERVING first so load balancers and probes stop sending traffic.
   */
  shutdown(reason: string): Promise<void> {
    this.closing ??= this.drain(reason);
    return this.closing;
  }

  /** SIGTERM / SIGINT: drain and exit 0; a failure while draining exits 1. */
  installSignalHandlers(): void {
    const onSignal = (signal: NodeJS.Signals) => {
      this.shutdown(signal).then(
        () => process.exit(0),
        (error: unknown) => {
          this.kit.logger.error({ msg: 'shutdown failed', error: String(error) }, 'shutdown');
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  private async drain(reason: string): Promise<void> {
    const { logger, health, config } = this.kit;
    const startedAt = Date.now();
    logger.log({ msg: 'shutting down', reason, graceMs: config.shutdownGraceMs }, 'shutdown');
    health.markNotServing();
    const drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), config.shutdownGraceMs);
      this.grpcServer.tryShutdown(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    if (!drained) {
      logger.warn(
        { msg: 'grace period over: cancelling the calls still running', graceMs: config.shutdownGraceMs },
        'shutdown',
      );
      this.grpcServer.forceShutdown();
    }
    await this.app.close();
    await this.metricsServer.close();
    logger.log({ msg: 'stopped', drained, durationMs: Date.now() - startedAt }, 'shutdown');
  }
}

/** Creates, wires and starts one gRPC server; resolves once it is listening (health may still be NOT_SERVING). */
export async function startGrpcServer(spec: GrpcServerSpec): Promise<GrpcServerHandle> {
  const kit = createGrpcKit(spec.appName, spec.config, spec.services);
  installProcessGuards(kit);

  let grpcServer: Server | undefined;
  @Module({ imports: [GrpcKitModule.forKit(kit), spec.module] })
  class GrpcAppModule {}

  const app = await NestFactory.createMicroservice(GrpcAppModule, {
    ...grpcTransportOptions(spec, kit, (server) => (grpcServer = server)),
    logger: kit.logger,
  });
  app.useGlobalInterceptors(new ObservabilityInterceptor(kit.metrics, kit.logger));
  app.useGlobalFilters(new GrpcExceptionFilter(kit.logger));
  await app.listen();
  if (!grpcServer) throw new Error('gRPC server was not created by the transport');

  const metricsServer = new MetricsServer(kit.metrics.registry);
  const metricsPort =
    spec.config.metricsPort > 0 ? await metricsServer.listen(spec.config.metricsPort, spec.config.host) : 0;
  kit.logger.log(
    {
      msg: 'listening',
      grpc: `${spec.config.host}:${spec.config.grpcPort}`,
      metrics: metricsPort > 0 ? `${spec.config.host}:${metricsPort}` : 'off',
      services: [...spec.services, HEALTH_SERVICE],
      reflection: spec.config.reflection,
    },
    'bootstrap',
  );
  return new GrpcServerHandle(app, kit, grpcServer, metricsServer);
}

let guardsInstalled = false;

/** A stray rejection must not take down a server holding other clients' requests; log it loudly instead. */
function installProcessGuards(kit: GrpcKit): void {
  if (guardsInstalled) return;
  guardsInstalled = true;
  process.on('unhandledRejection', (reason) => {
    kit.logger.error({ msg: 'unhandled promise rejection', error: String(reason) }, 'process');
  });
}
