import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Metadata } from '@grpc/grpc-js';
import { UnauthenticatedError } from '../errors/grpc-errors';
import { AUTHORIZATION_HEADER } from './credentials';

const MIN_TOKEN_CHARS = 16;
// RFC 6750 token68 characters: what fits in an HTTP header without quoting.
const TOKEN_CHARS = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Parses a tokens file: one token per line; blank lines and lines starting with # are ignored. Throws with the
 * line number (never the token) for a token too short or with characters a header cannot carry.
 */
export function parseBearerTokens(text: string): string[] {
  const tokens: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (line.length < MIN_TOKEN_CHARS) {
      throw new Error(`line ${i + 1}: a token must have at least ${MIN_TOKEN_CHARS} characters`);
    }
    if (!TOKEN_CHARS.test(line)) {
      throw new Error(`line ${i + 1}: a token may only use letters, digits and - . _ ~ + / (then = padding)`);
    }
    tokens.push(line);
  });
  if (tokens.length === 0) throw new Error('holds no token (one per line; # starts a comment)');
  return tokens;
}

/**
 * Checks `authorization: Bearer <token>` metadata against the configured tokens. Tokens are kept and compared as
 * SHA-256 digests with timingSafeEqual, against every token every time, so neither the comparison nor the
 * position of a match shows in the response time. Neither tokens nor digests are ever logged.
 */
export class BearerTokenAuthenticator {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  static fromFile(path: string): BearerTokenAuthenticator {
    return new BearerTokenAuthenticator(parseBearerTokens(readFileSync(path, 'utf8')));
  }

  get size(): number {
    return this.digests.length;
  }

  /** The caller's identity for per-client limits (`token#N`, N its position in the file); throws UNAUTHENTICATED. */
  authenticate(metadata: Metadata): string {
    const values = metadata.get(AUTHORIZATION_HEADER);
    if (values.length === 0) {
      throw new UnauthenticatedError('missing credentials: send metadata "authorization: Bearer <token>"');
    }
    const match = /^Bearer +(\S+)\s*$/i.exec(String(values[0]));
    if (values.length > 1 || !match) {
      throw new UnauthenticatedError('malformed authorization metadata: expected one "Bearer <token>"');
    }
    const presented = digest(match[1]);
    let found = -1;
    this.digests.forEach((known, i) => {
      if (timingSafeEqual(known, presented) && found < 0) found = i;
    });
    if (found < 0) throw new UnauthenticatedError('invalid bearer token');
    return `token#${found + 1}`;
  }
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}
