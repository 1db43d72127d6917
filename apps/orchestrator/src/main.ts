import 'reflect-metadata';
import { loadConfigOrExit } from '@ensemble/config';
import { BearerTokenAuthenticator, runMain, startGrpcServer } from '@ensemble/grpc';
import { ENSEMBLE_SERVICE } from '@ensemble/proto';
import { OrchestratorModule } from './orchestrator.module';
import { OrchestratorConfig, orchestratorEnvSchema, toOrchestratorConfig } from './orchestrator.config';

async function main(): Promise<void> {
  const config = toOrchestratorConfig(loadConfigOrExit('orchestrator', orchestratorEnvSchema));
  const server = await startGrpcServer({
    appName: 'orchestrator',
    module: OrchestratorModule.forConfig(config),
    services: [ENSEMBLE_SERVICE],
    config: config.server,
    auth: config.authTokensFile ? BearerTokenAuthenticator.fromFile(config.authTokensFile) : undefined,
  });
  server.installSignalHandlers();
  server.kit.logger.log(
    { msg: 'backends configured', backends: config.backends, transport: backendTransport(config) },
    'bootstrap',
  );
  if (config.backendTls.plaintext) {
    server.kit.logger.warn(
      {
        msg: 'calling the backends WITHOUT TLS (BACKEND_ALLOW_PLAINTEXT=true): prompts and completions are readable on the network; use only on loopback or a trusted network',
      },
      'security',
    );
  }
  // The orchestrator holds no model: it can answer as soon as it listens. Backend availability is per request.
  server.kit.health.markServing();
}

function backendTransport({ backendTls }: OrchestratorConfig): string {
  if (backendTls.plaintext) return 'plaintext';
  const ca = backendTls.caFile ?? "Node's default roots";
  return `${backendTls.certFile ? 'mutual TLS' : 'TLS'} (CA ${ca}${backendTls.serverName ? `, server name ${backendTls.serverName}` : ''})`;
}

runMain('orchestrator', main);
