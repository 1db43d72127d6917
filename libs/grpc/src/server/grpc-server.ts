import { DynamicModule, INestMicroservice, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import type { ServerConfig } from '@ensemble/config';
import { HEALTH_SERVICE, loadPackageDefinition, PROTO_PACKAGE } from '@ensemble/proto';
import { GrpcExceptionFilter } from '../errors/grpc-exception.filter';
import { MetricsServer } from '../metrics/metrics-server';
import { BearerTokenAuthenticator } from '../security/bearer-tokens';
import { ConcurrencyLimiter } from '../security/concurrency-limiter';
import { serverCredentials } from '../security/credentials';
import { AccessInterceptor } from './access.interceptor';
import { createGrpcKit, GrpcKit, GrpcKitModule } from './grpc-kit';
import { ObservabilityInterceptor } from './observability.interceptor';
import { addReflection } from './reflection';
import { statusMessageInterceptor } from './status-message.interceptor';
import { withTolerantDeserializers } from './undecodable-request';

export interface GrpcServerSpec {
  /** Name in logs and metrics, e.g. "ar-server". */
  appName: string;
  /** The app's own module: controllers and the services behind them. */
  module: Type<unknown> | DynamicModule;
  /** Fully qualified services the app implements, e.g. ensemble.v1.ModelService (health and reflection list them). */
  services: string[];
  config: ServerConfig;
  /** Bearer tokens the app's services require (health and reflection never do); undefined: no authentication. */
  auth?: BearerTokenAuthenticator;
}

/**
 * The Nest gRPC transport options for a server: the embedded descriptor set (with deserializers that let a
 * malformed body reach the interceptors as INVALID_ARGUMENT), bind address and credentials, message limits,
 * bounded status messages, and health + reflection registered on the grpc-js server as it is created. One
 * function, used by main.ts and tests.
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
      packageDefinition: withTolerantDeserializers(loadPackageDefinition()),
      maxReceiveMessageLength: config.maxMessageBytes,
      maxSendMessageLength: config.maxMessageBytes,
      credentials: serverCredentials(config.tls),
      channelOptions: {
        interceptors: [statusMessageInterceptor],
        // An aged connection gets GOAWAY: new calls go to a new connection (re-resolving dns:/// targets), and the
        // calls in flight run to their end with no grace limit — an Evaluate stream or a CPU diffusion infill lasts
        // minutes to hours. Shutdown has its own grace (SHUTDOWN_GRACE_MS).
        ...(config.maxConnectionAgeMs > 0 ? { 'grpc.max_connection_age_ms': config.maxConnectionAgeMs } : {}),
      },
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
    private readonly healthServer?: Server,
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
    // Last, so that probes see NOT_SERVING while the server drains.
    this.healthServer?.forceShutdown();
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
  // Order matters: observability wraps access control, so refused calls are logged and counted too.
  app.useGlobalInterceptors(
    new ObservabilityInterceptor(kit.metrics, kit.logger),
    new AccessInterceptor(
      new ConcurrencyLimiter({
        maxTotal: spec.config.maxConcurrentRequests,
        maxPerClient: spec.config.maxConcurrentPerClient,
      }),
      spec.auth,
    ),
  );
  app.useGlobalFilters(new GrpcExceptionFilter(kit.logger));
  await app.listen();
  if (!grpcServer) throw new Error('gRPC server was not created by the transport');

  const healthServer =
    spec.config.healthPort > 0
      ? await listenHealthOnly(kit, spec.config.host, spec.config.healthPort)
      : undefined;
  const metricsServer = new MetricsServer(kit.metrics.registry);
  const metricsPort =
    spec.config.metricsPort > 0 ? await metricsServer.listen(spec.config.metricsPort, spec.config.host) : 0;
  kit.logger.log(
    {
      msg: 'listening',
      grpc: `${spec.config.host}:${spec.config.grpcPort}`,
      metrics: metricsPort > 0 ? `${spec.config.host}:${metricsPort}` : 'off',
      healthOnly: healthServer ? `${spec.config.host}:${spec.config.healthPort} (plaintext)` : 'off',
      services: [...spec.services, HEALTH_SERVICE],
      reflection: spec.config.reflection,
      transport: describeTransport(spec.config),
      auth: spec.auth ? `bearer (${spec.auth.size} tokens)` : 'off',
    },
    'bootstrap',
  );
  warnAboutPlaintext(spec, kit);
  return new GrpcServerHandle(app, kit, grpcServer, metricsServer, healthServer);
}

/**
 * A plaintext listener with grpc.health.v1 and nothing else, for probes that cannot speak TLS (Kubernetes' native
 * gRPC probes): the serving status is all it reveals.
 */
async function listenHealthOnly(kit: GrpcKit, host: string, port: number): Promise<Server> {
  const server = new Server({ interceptors: [statusMessageInterceptor] });
  kit.health.addToServer(server);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (error) =>
      error ? reject(new Error(`cannot listen on HEALTH_PORT ${port}: ${error.message}`)) : resolve(),
    ),
  );
  return server;
}

function describeTransport(config: ServerConfig): string {
  if (!config.tls) return 'plaintext';
  return config.tls.clientCaFile ? 'mutual TLS (client certificates required)' : 'TLS';
}

function warnAboutPlaintext(spec: GrpcServerSpec, kit: GrpcKit): void {
  if (spec.config.tls) return;
  kit.logger.warn(
    {
      msg: 'serving gRPC WITHOUT TLS (ALLOW_PLAINTEXT=true): traffic and any credentials are readable on the network; use only on loopback or a trusted network',
      grpc: `${spec.config.host}:${spec.config.grpcPort}`,
    },
    'security',
  );
  if (spec.auth) {
    kit.logger.warn(
      { msg: 'bearer tokens are checked, but without TLS they travel in clear text' },
      'security',
    );
  }
}

let guardsInstalled = false;

/** A stray rejection must not take down a server holding other clients' requests; log it loudly instead. */
function installProcessGuards(kit: GrpcKit): void {
  if (guardsInstalled) return;
  guardsInstalled = true;
  process.on('unhandledRejection', (reason) => {
    kit.logger.error(
      { msg: 'unhandled promise rejection', error: kit.logger.excerpt(String(reason)) },
      'process',
    );
  });
}
