import type { MethodDefinition } from '@grpc/proto-loader';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';
import { fileDescriptorProtos, loadPackageDefinition } from './descriptors';
import type { InfillRequest } from './generated/ensemble/v1/ensemble.pb';

interface DecodedFile {
  name: string;
  messageType: Array<{ name: string; nestedType: Array<{ options?: { mapEntry?: boolean } }> }>;
}

describe('embedded descriptors', () => {
  it('serve the ensemble and health services', () => {
    const definition = loadPackageDefinition();
    for (const service of ['ensemble.v1.ModelService', 'ensemble.v1.Ensemble', 'grpc.health.v1.Health']) {
      expect(definition[service]).toBeDefined();
    }
  });

  it('produce objects with the camelCase field names of the generated types, unset optionals left out', () => {
    const infill = (
      loadPackageDefinition()['ensemble.v1.Ensemble'] as unknown as Record<
        string,
        MethodDefinition<object, object>
      >
    ).Infill;
    const request: InfillRequest = {
      input: { prefix: 'def f():\n', suffix: '' },
      sampling: { topP: 0.5, maxNewTokens: 7, stop: ['\n\n'] },
      strategy: 3,
      parseFilter: true,
      backends: ['ar'],
    };
    const decoded = infill.requestDeserialize(infill.requestSerialize(request)) as Record<
      string,
      Record<string, unknown>
    >;
    expect(decoded).toMatchObject(request);
    expect(decoded.sampling.temperature).toBeUndefined();
    expect(decoded.diffusion).toBeNull();
  });

  it('keep the map-entry option of grpc.health.v1 intact for reflection clients', () => {
    const health = fileDescriptorProtos()
      .map((bytes) => FileDescriptorProto.decode(bytes) as unknown as DecodedFile)
      .find((file) => file.name === 'grpc/health/v1/health.proto');
    expect(health).toBeDefined();
    const list = health?.messageType.find((message) => message.name === 'HealthListResponse');
    expect(list?.nestedType[0].options?.mapEntry).toBe(true);
  });
});
