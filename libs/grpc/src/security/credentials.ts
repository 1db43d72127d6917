import { readFileSync } from 'node:fs';
import { checkServerIdentity, PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { ServerTlsFiles } from '@ensemble/config';

/** The credentials a server binds with: TLS (mutual when a client CA is configured), or plaintext without files. */
export function serverCredentials(tls: ServerTlsFiles | undefined): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  const clientCa = tls.clientCaFile === undefined ? null : readFileSync(tls.clientCaFile);
  return grpc.ServerCredentials.createSsl(
    clientCa,
    [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
    // With a client CA, a client without a certificate it signed fails the handshake (no call is ever seen).
    clientCa !== null,
  );
}

export interface ClientSecurityOptions {
  /** Plaintext: loopback and tests only; no other option may be set. */
  plaintext?: boolean;
  /** PEM bundle of the CA(s) that signed the server certificate; unset: Node's default roots. */
  caFile?: string;
  /** PEM certificate chain and private key presented for mutual TLS (both or neither). */
  certFile?: string;
  keyFile?: string;
  /** The name the server certificate must carry when it differs from the target's host (e.g. dialling an IP). */
  serverName?: string;
  /** Sent as `authorization: Bearer <token>` on every call (TLS only: grpc-js never sends it in the clear). */
  token?: string;
}

/**
 * Channel credentials for a client of our servers (the orchestrator's backends, the bench CLI, tests). Throws with
 * the file at fault when a PEM file cannot be read.
 */
export function clientCredentials(options: ClientSecurityOptions = {}): grpc.ChannelCredentials {
  const { plaintext, caFile, certFile, keyFile, serverName, token } = options;
  if (plaintext) {
    if (caFile || certFile || keyFile || serverName || token) {
      throw new Error(
        'plaintext credentials take no TLS files, server name or token (for a token over plaintext loopback, ' +
          'send bearerMetadata(token) as call metadata)',
      );
    }
    return grpc.credentials.createInsecure();
  }
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error('a client certificate needs both certFile and keyFile');
  }
  const verify = serverName
    ? { checkServerIdentity: (_host: string, cert: PeerCertificate) => checkServerIdentity(serverName, cert) }
    : {};
  const channel = grpc.credentials.createSsl(
    caFile === undefined ? null : read(caFile, 'CA'),
    keyFile === undefined ? null : read(keyFile, 'private key'),
    certFile === undefined ? null : read(certFile, 'certificate'),
    verify,
  );
  return token === undefined
    ? channel
    : grpc.credentials.combineChannelCredentials(channel, bearerCallCredentials(token));
}

export const AUTHORIZATION_HEADER = 'authorization';

/** Call credentials adding `authorization: Bearer <token>` to every call of a TLS channel. */
export function bearerCallCredentials(token: string): grpc.CallCredentials {
  return grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    metadata.set(AUTHORIZATION_HEADER, `Bearer ${token}`);
    callback(null, metadata);
  });
}

/** The bearer token as call metadata (`unaryCall(..., { metadata: bearerMetadata(token) })`), for any channel. */
export function bearerMetadata(token: string): Record<string, string> {
  return { [AUTHORIZATION_HEADER]: `Bearer ${token}` };
}

function read(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read the ${what} file ${path}: ${(error as NodeJS.ErrnoException).code}`);
  }
}
