import 'reflect-metadata';
import { loadConfigOrExit } from '@ensemble/config';
import { runMain, startGrpcServer } from '@ensemble/grpc';
import { ENSEMBLE_SERVICE } from '@ensemble/proto';
import { OrchestratorModule } from './orchestrator.module';
import { orchestratorEnvSchema, toOrchestratorConfig } from './orchestrator.config';

async function main(): Promise<void> {
  const config = toOrchestratorConfig(loadConfigOrExit('orchestrator', orchestratorEnvSchema));
  const server = await startGrpcServer({
    appName: 'orchestrator',
    module: OrchestratorModule.forConfig(config),
    services: [ENSEMBLE_SERVICE],
    config: config.server,
  });
  server.installSignalHandlers();
  server.kit.logger.log({ msg: 'backends configured', backends: config.backends }, 'bootstrap');
  // The orchestrator holds no model: it can answer as soon as it listens. Backend availability is per request.
  server.kit.health.markServing();
}

runMain('orchestrator', main);
