import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** PEM files of a server's TLS identity; with `clientCaFile`, clients must present a certificate it signed (mTLS). */
export interface ServerTlsFiles {
  certFile: string;
  keyFile: string;
  clientCaFile: string | undefined;
}

/**
 * How a client reaches a server: `plaintext` (explicitly allowed only), or TLS verifying the server against
 * `caFile` (Node's default roots when unset), presenting `certFile` + `keyFile` for mutual TLS when set.
 */
export interface ClientTlsFiles {
  plaintext: boolean;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** The name expected in the server certificate when it differs from the host of the target. */
  serverName?: string;
}

/**
 * Cross-field check of a certificate + key pair given as two variables: both or neither, and the key must belong
 * to the certificate (a mismatch would otherwise surface as an opaque handshake failure on the first call).
 */
export function checkKeyPair(
  ctx: z.RefinementCtx,
  cert: { name: string; path: string | undefined },
  key: { name: string; path: string | undefined },
): void {
  if (cert.path === undefined && key.path === undefined) return;
  if (cert.path === undefined || key.path === undefined) {
    const [missing, present] = cert.path === undefined ? [cert, key] : [key, cert];
    ctx.addIssue({
      code: 'custom',
      path: [missing.name],
      message: `must be set together with ${present.name}`,
    });
    return;
  }
  try {
    const certificate = new X509Certificate(readFileSync(cert.path));
    if (!certificate.checkPrivateKey(createPrivateKey(readFileSync(key.path)))) {
      ctx.addIssue({
        code: 'custom',
        path: [key.name],
        message: `does not hold the private key of the certificate in ${cert.name}`,
      });
    }
  } catch {
    // Unreadable or unparsable files are reported by the fields themselves.
  }
}
