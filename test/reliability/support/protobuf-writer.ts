/**
 * A protobuf wire-format writer with no schema, so a test can write anything a peer could send: any field number
 * with any wire type, negative or over-long varints, raw bytes where UTF-8 is expected.
 */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

export class ProtoWriter {
  private readonly parts: Buffer[] = [];

  tag(field: number, wireType: number): this {
    return this.rawVarint(BigInt(field) * 8n + BigInt(wireType));
  }

  /** A varint of any integer: negative values are written as 10-byte two's complement, as int32/int64 do. */
  rawVarint(value: bigint | number): this {
    let v = BigInt(value);
    if (v < 0n) v = (1n << 64n) + v;
    const bytes: number[] = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v > 0n) byte |= 0x80;
      bytes.push(byte);
    } while (v > 0n);
    this.parts.push(Buffer.from(bytes));
    return this;
  }

  varint(field: number, value: bigint | number): this {
    return this.tag(field, WIRE.varint).rawVarint(value);
  }

  float(field: number, value: number): this {
    const buffer = Buffer.alloc(4);
    buffer.writeFloatLE(value);
    return this.tag(field, WIRE.fixed32).raw(buffer);
  }

  fixed64(field: number, value: bigint): this {
    const buffer = Buffer.alloc(8);
    buffer.writeBigUInt64LE(BigInt.asUintN(64, value));
    return this.tag(field, WIRE.fixed64).raw(buffer);
  }

  /** Length-delimited: a string (as UTF-8), raw bytes, or a nested message. */
  bytes(field: number, value: Buffer | string | ProtoWriter): this {
    const payload =
      value instanceof ProtoWriter ? value.finish() : typeof value === 'string' ? Buffer.from(value) : value;
    return this.tag(field, WIRE.bytes).rawVarint(payload.length).raw(payload);
  }

  /** A packed repeated varint field. */
  packed(field: number, values: Array<bigint | number>): this {
    const inner = new ProtoWriter();
    values.forEach((value) => inner.rawVarint(value));
    return this.bytes(field, inner);
  }

  raw(buffer: Buffer): this {
    this.parts.push(buffer);
    return this;
  }

  finish(): Buffer {
    return Buffer.concat(this.parts);
  }
}
