import type { PackageDefinition } from '@grpc/proto-loader';
import { InvalidArgumentError } from '../errors/grpc-errors';

const UNDECODABLE = Symbol('undecodable request');

interface Undecodable {
  [UNDECODABLE]: string;
}

/**
 * The package definition with request deserializers that do not throw. grpc-js answers a body that is not the
 * method's protobuf message with INTERNAL "Error deserializing request", before any of our code runs (so neither
 * logged nor counted), and INTERNAL is what alerts on server bugs watch. Instead the body arrives as a marker that
 * `assertDecodable` turns into INVALID_ARGUMENT: the client's fault, said so.
 */
export function withTolerantDeserializers(definition: PackageDefinition): PackageDefinition {
  return Object.fromEntries(
    Object.entries(definition).map(([name, entry]) => {
      const methods = Object.values(entry as object) as Array<{ requestDeserialize?: unknown }>;
      if (methods.length === 0 || !methods.every((m) => typeof m?.requestDeserialize === 'function')) {
        return [name, entry];
      }
      const tolerant = Object.fromEntries(
        Object.entries(entry as Record<string, { requestDeserialize: (bytes: Buffer) => unknown }>).map(
          ([method, spec]) => [
            method,
            {
              ...spec,
              requestDeserialize: (bytes: Buffer): unknown => {
                try {
                  return spec.requestDeserialize(bytes);
                } catch (error) {
                  return { [UNDECODABLE]: (error as Error).message } satisfies Undecodable;
                }
              },
            },
          ],
        ),
      );
      return [name, tolerant];
    }),
  ) as PackageDefinition;
}

/** Throws INVALID_ARGUMENT when `request` is the marker of a body that could not be decoded. */
export function assertDecodable(request: unknown, method: string): void {
  if (typeof request === 'object' && request !== null && UNDECODABLE in request) {
    throw new InvalidArgumentError(
      'request',
      `is not a valid protobuf message for ${method} (${(request as Undecodable)[UNDECODABLE]})`,
    );
  }
}
