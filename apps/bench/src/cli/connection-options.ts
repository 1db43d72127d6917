import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { Command } from 'commander';
import { bearerMetadata, clientCredentials } from '@ensemble/grpc';
import { UsageError } from '../usage-error';

/** How `bench` reaches an orchestrator that requires TLS, a client certificate or a bearer token. */
export interface ConnectionCliOptions {
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
  tokenFile?: string;
}

export function addConnectionOptions(command: Command): Command {
  return command
    .option('--tls', 'connect with TLS (system CAs unless --tls-ca)')
    .option('--tls-ca <file>', 'CA certificate that signed the orchestrator (implies --tls)')
    .option('--tls-cert <file>', 'client certificate for mutual TLS (implies --tls)')
    .option('--tls-key <file>', 'client private key for mutual TLS')
    .option('--tls-server-name <name>', 'expected server name when it differs from the target host')
    .option(
      '--token-file <file>',
      'file holding the bearer token the orchestrator expects (AUTH_TOKENS_FILE)',
    );
}

/** Channel credentials and call metadata; a token rides the TLS channel, or call metadata on plaintext loopback. */
export function connectionFrom(options: ConnectionCliOptions): {
  credentials?: grpc.ChannelCredentials;
  metadata?: grpc.Metadata;
} {
  let token: string | undefined;
  if (options.tokenFile) {
    try {
      token = readFileSync(options.tokenFile, 'utf8').trim();
    } catch (error) {
      throw new UsageError(`--token-file: cannot read ${options.tokenFile}: ${(error as Error).message}`);
    }
    if (!token) throw new UsageError(`--token-file: ${options.tokenFile} is empty`);
  }
  const tls = options.tls || options.tlsCa || options.tlsCert || options.tlsKey || options.tlsServerName;
  if (!tls) {
    if (!token) return {};
    const metadata = new grpc.Metadata();
    for (const [key, value] of Object.entries(bearerMetadata(token))) metadata.set(key, value);
    return { metadata };
  }
  try {
    return {
      credentials: clientCredentials({
        caFile: options.tlsCa,
        certFile: options.tlsCert,
        keyFile: options.tlsKey,
        serverName: options.tlsServerName,
        token,
      }),
    };
  } catch (error) {
    throw new UsageError(`--tls: ${(error as Error).message}`);
  }
}
