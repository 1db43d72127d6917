import { loadConfigOrExit } from '@ensemble/config';
import { startGrpcServer } from '@ensemble/grpc';
import { MODEL_SERVICE } from '@ensemble/proto';
import { modelServerEnvSchema, toModelServerConfig } from './model-server.config';
import type { ModelServerProfile } from './model-server.profile';
import { ModelServerModule } from './model-server.module';
import { ModelRuntime } from './model-runtime.service';
import { missingNodeFlags } from './node-flags';

/**
 * main() of a model server: validate the environment, start listening (health NOT_SERVING), then load and warm
 * the model in the background and turn SERVING. A model that cannot be loaded stops the process with exit 1
 * and one clear log line, so Kubernetes restarts it and the operator sees why.
 */
export async function runModelServer(profile: ModelServerProfile): Promise<void> {
  const env = loadConfigOrExit(
    profile.appName,
    modelServerEnvSchema({ grpcPort: profile.defaultGrpcPort, metricsPort: profile.defaultMetricsPort }),
  );
  const config = toModelServerConfig(env);
  const server = await startGrpcServer({
    appName: profile.appName,
    module: ModelServerModule.forProfile(profile, config),
    services: [MODEL_SERVICE],
    config: config.server,
  });
  server.installSignalHandlers();
  const missing = missingNodeFlags();
  if (missing.length > 0) {
    server.kit.logger.warn(
      {
        msg: `started without ${missing.join(' ')}: CPU decoding is slower (see docs/perf.md)`,
        flags: missing,
      },
      'startup',
    );
  }
  server.app
    .get(ModelRuntime)
    .load()
    .catch((error: Error) => {
      server.kit.logger.error({ msg: 'cannot load the model', error: error.message }, 'model');
      process.exit(1);
    });
}
