import { fromJSON, Options, PackageDefinition } from '@grpc/proto-loader';
import { INamespace, Root, util } from 'protobufjs';
import { FileDescriptorProto, FileDescriptorSet } from 'protobufjs/ext/descriptor';
import { DESCRIPTOR_SET_BASE64 } from './generated/descriptor-set';

/**
 * How proto-loader turns wire messages into objects. These must match the ts-proto types:
 * camelCase fields, numbers for 64-bit ints and enums, defaults filled in, proto3 `optional` left undefined when unset.
 */
export const PROTO_LOADER_OPTIONS: Options = {
  keepCase: false,
  longs: Number,
  enums: Number,
  defaults: true,
  arrays: true,
  oneofs: true,
};

let cachedSet: Buffer | undefined;

/** The FileDescriptorSet that buf built from proto/ (ours plus grpc.health.v1). */
export function descriptorSetBytes(): Buffer {
  cachedSet ??= Buffer.from(DESCRIPTOR_SET_BASE64, 'base64');
  return cachedSet;
}

/** Package definition for grpc-js / Nest, built from the canonical descriptors rather than .proto files on disk. */
export function loadPackageDefinition(): PackageDefinition {
  const root = (Root as unknown as { fromDescriptor(set: Buffer): Root }).fromDescriptor(
    descriptorSetBytes(),
  );
  return fromJSON(camelCaseFields(root.toJSON()), PROTO_LOADER_OPTIONS);
}

/**
 * Descriptors carry proto field names (`top_p`); proto-loader's `keepCase: false` only applies when it parses
 * .proto text. Renaming fields to camelCase here gives the objects ts-proto's types describe (`topP`).
 * Field numbers, not names, go on the wire, so this changes nothing for other clients.
 */
function camelCaseFields(namespace: INamespace): INamespace {
  const node = { ...namespace } as Record<string, unknown>;
  if (node.fields) {
    node.fields = Object.fromEntries(
      Object.entries(node.fields as Record<string, unknown>).map(([name, field]) => [
        util.camelCase(name),
        field,
      ]),
    );
  }
  if (node.oneofs) {
    node.oneofs = Object.fromEntries(
      Object.entries(node.oneofs as Record<string, { oneof: string[] }>).map(([name, oneof]) => [
        // proto3 `optional` fields live in synthetic oneofs named `_<field>`.
        name.startsWith('_') ? `_${util.camelCase(name.slice(1))}` : util.camelCase(name),
        { ...oneof, oneof: oneof.oneof.map((member) => util.camelCase(member)) },
      ]),
    );
  }
  if (node.nested) {
    node.nested = Object.fromEntries(
      Object.entries(node.nested as Record<string, INamespace>).map(([name, child]) => [
        name,
        camelCaseFields(child),
      ]),
    );
  }
  return node as INamespace;
}

/**
 * Each file of the set as serialized FileDescriptorProto bytes, exactly as buf produced them.
 * Server reflection must hand these out unchanged: descriptors rebuilt by proto-loader lose the map-entry
 * option and break Go clients (grpcurl, buf curl) on any proto with a map field, such as grpc.health.v1.
 */
export function fileDescriptorProtos(): Buffer[] {
  const set = FileDescriptorSet.decode(descriptorSetBytes()) as unknown as { file: object[] };
  return set.file.map((file) => Buffer.from(FileDescriptorProto.encode(file).finish()));
}
