import type { Server } from '@grpc/grpc-js';
import type { PackageDefinition } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { fileDescriptorProtos, HEALTH_SERVICE } from '@ensemble/proto';

/**
 * Server reflection (v1 and v1alpha) for grpcurl and `buf curl`, fed with buf's canonical descriptors.
 * @grpc/reflection only reads `fileDescriptorProtos` from the definition it is given, so we hand it the raw
 * files instead of proto-loader's rebuilt ones (which break map fields such as grpc.health.v1's).
 */
export function addReflection(server: Server, services: string[]): void {
  const definition = {
    descriptors: { fileDescriptorProtos: fileDescriptorProtos() },
  } as unknown as PackageDefinition;
  new ReflectionService(definition, { services: [...services, HEALTH_SERVICE] }).addToServer(server);
}
