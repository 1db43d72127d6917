import { Prng } from './prng';
import { ProtoWriter, WIRE } from './protobuf-writer';

/**
 * Adversarial requests for the ensemble.v1 services, written at the wire level: a small schema of the request
 * messages (field numbers and kinds from proto/ensemble/v1), sane baselines, and mutations that put adversarial
 * values, wrong wire types, unknown fields or garbage into them.
 */

type Kind = 'string' | 'uint32' | 'float' | 'bool' | 'enum' | 'uint32s' | 'strings' | Schema;
interface Schema {
  [name: string]: [field: number, kind: Kind];
}

const INPUT: Schema = { prefix: [1, 'string'], suffix: [2, 'string'] };
const SAMPLING: Schema = {
  temperature: [1, 'float'],
  top_p: [2, 'float'],
  top_k: [3, 'uint32'],
  seed: [4, 'uint32'],
  max_new_tokens: [5, 'uint32'],
  stop: [6, 'strings'],
  n: [7, 'uint32'],
};
const DIFFUSION: Schema = {
  steps: [1, 'uint32'],
  algorithm: [2, 'enum'],
  alg_temp: [3, 'float'],
  length_policy: [4, 'enum'],
  middle_length: [5, 'uint32'],
  reference_middle: [6, 'string'],
  length_hint: [7, 'uint32'],
  candidate_lengths: [8, 'uint32s'],
};

export const SCHEMAS: Record<string, Schema> = {
  GetModelInfoRequest: {},
  GenerateRequest: { input: [1, INPUT], sampling: [2, SAMPLING], diffusion: [3, DIFFUSION] },
  ScoreRequest: {
    input: [1, INPUT],
    candidates: [2, 'strings'],
    mode: [3, 'enum'],
    include_eos: [4, 'bool'],
    return_token_logprobs: [5, 'bool'],
    monte_carlo_samples: [6, 'uint32'],
    seed: [7, 'uint32'],
  },
  InfillRequest: {
    input: [1, INPUT],
    sampling: [2, SAMPLING],
    diffusion: [3, DIFFUSION],
    strategy: [4, 'enum'],
    parse_filter: [5, 'bool'],
    backends: [6, 'strings'],
  },
  EvaluateRequest: {
    dataset: [1, 'string'],
    offset: [2, 'uint32'],
    limit: [3, 'uint32'],
    shard_index: [4, 'uint32'],
    shard_count: [5, 'uint32'],
    concurrency: [6, 'uint32'],
    sampling: [7, SAMPLING],
    diffusion: [8, DIFFUSION],
    oracle_length: [9, 'bool'],
    task_ids: [10, 'strings'],
    strategies: [11, 'uint32s'],
  },
  HealthCheckRequest: { service: [1, 'string'] },
};

/** A request as plain values; encode() writes it in field order. Arrays are repeated fields. */
export type Plain = { [name: string]: PlainValue };
type PlainValue =
  | string
  | number
  | bigint
  | boolean
  | Buffer
  | Plain
  | Array<string | number | bigint | Buffer>
  | { wire: number; bytes: Buffer };

const SANE_INPUT = { prefix: 'def add(a, b):\n    ', suffix: '\n\nprint(add(1, 2))\n' };
const SANE_SAMPLING = { temperature: 0, max_new_tokens: 4 };
const SANE_DIFFUSION = { steps: 2, length_policy: 1, middle_length: 4 };

/** Requests that pass validation and finish fast on the tiny models; mutations start from these. */
export const BASELINES: Record<string, Plain> = {
  GetModelInfoRequest: {},
  GenerateRequest: { input: SANE_INPUT, sampling: SANE_SAMPLING, diffusion: SANE_DIFFUSION },
  ScoreRequest: { input: SANE_INPUT, candidates: ['return a + b'] },
  InfillRequest: { input: SANE_INPUT, sampling: SANE_SAMPLING, diffusion: SANE_DIFFUSION },
  // One task, so a valid Evaluate costs one pipeline run; `limit` is never mutated (the whole dataset is slow).
  EvaluateRequest: {
    dataset: 'humaneval-single-line',
    limit: 1,
    sampling: SANE_SAMPLING,
    diffusion: SANE_DIFFUSION,
  },
  HealthCheckRequest: { service: '' },
};

export interface Limits {
  maxInputChars: number;
  maxMessageBytes: number;
}

export const U32_EDGES = [
  0n,
  1n,
  2n,
  3n,
  7n,
  16n,
  17n,
  64n,
  1024n,
  2n ** 31n - 1n,
  2n ** 31n,
  2n ** 32n - 1n,
];
/** Not representable as uint32: protobuf readers truncate or reject these. */
export const VARINT_OVERFLOWS = [2n ** 32n, 2n ** 63n, 2n ** 64n - 1n, -1n, -(2n ** 31n)];
export const FLOAT_EDGES = [0, -0, 0.5, 1, 1.5, -1, 100, 100.5, 1e-45, 3.4e38, NaN, Infinity, -Infinity];
export const ENUM_EDGES = [0n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 99n, 2n ** 31n - 1n, -1n, 2n ** 32n - 1n];

/** Byte sequences that are not UTF-8: truncated, overlong, encoded surrogates, beyond U+10FFFF. */
export const INVALID_UTF8 = [
  Buffer.from([0xff]),
  Buffer.from([0xc3]),
  Buffer.from('def f(): \xff\xfe', 'latin1'),
  Buffer.from([0xed, 0xa0, 0x80]), // a lone high surrogate, CESU-8 style
  Buffer.from([0xed, 0xbf, 0xbf]), // a lone low surrogate
  Buffer.from([0x61, 0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80, 0x62]), // a surrogate pair encoded separately
  Buffer.from([0xc0, 0xaf]), // overlong '/'
  Buffer.from([0xf4, 0x90, 0x80, 0x80]), // > U+10FFFF
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

export function stringEdges(limits: Limits): Array<string | Buffer> {
  return [
    '',
    'x',
    '\0',
    'a\0b\0'.repeat(50),
    'def f():\n\treturn "\u00e9\u4e2d\ud83d\ude00"\n',
    // Lone surrogates in a JS string: UTF-8 encoding turns them into U+FFFD on the wire.
    'x\ud800y\udc00',
    '<|fim_middle|><|endoftext|><|fim_prefix|>',
    '\u202e\u200b\ufeff',
    '\n'.repeat(500),
    'x'.repeat(limits.maxInputChars),
    'x'.repeat(limits.maxInputChars + 1),
    '\u00e9'.repeat(limits.maxInputChars + 1),
    // Under the message limit (with room for the rest of the request), far over the character limit.
    'y'.repeat(limits.maxMessageBytes - 512),
    // Over the message limit on its own.
    'z'.repeat(limits.maxMessageBytes + 1),
    ...INVALID_UTF8,
  ];
}

function leaves(schema: Schema, prefix: string[] = []): Array<{ path: string[]; kind: Kind; field: number }> {
  return Object.entries(schema).flatMap(([name, [field, kind]]) =>
    typeof kind === 'object'
      ? [{ path: [...prefix, name], kind, field }, ...leaves(kind, [...prefix, name])]
      : [{ path: [...prefix, name], kind, field }],
  );
}

function clone(value: Plain): Plain {
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      v && typeof v === 'object' && !Buffer.isBuffer(v) && !Array.isArray(v) && !('wire' in v)
        ? clone(v as Plain)
        : Array.isArray(v)
          ? [...v]
          : v,
    ]),
  );
}

function setPath(target: Plain, path: string[], value: PlainValue | undefined): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    const next = node[part];
    if (!next || typeof next !== 'object' || Buffer.isBuffer(next) || Array.isArray(next) || 'wire' in next) {
      node[part] = {};
    }
    node = node[part] as Plain;
  }
  const last = path[path.length - 1];
  if (value === undefined) delete node[last];
  else node[last] = value;
}

/** A value of the wrong wire type for a field of `kind`. */
function wrongWire(kind: Kind, rng: Prng): { wire: number; bytes: Buffer } {
  const lengthDelimited = kind === 'string' || kind === 'strings' || typeof kind === 'object';
  const choices = lengthDelimited
    ? [WIRE.varint, WIRE.fixed32, WIRE.fixed64, WIRE.startGroup]
    : kind === 'float'
      ? [WIRE.varint, WIRE.bytes, WIRE.fixed64]
      : [WIRE.bytes, WIRE.fixed32, WIRE.fixed64, WIRE.endGroup];
  const wire = rng.pick(choices);
  const body =
    wire === WIRE.varint
      ? new ProtoWriter().rawVarint(BigInt(rng.int(0, 2 ** 31))).finish()
      : wire === WIRE.fixed32
        ? rng.bytes(4)
        : wire === WIRE.fixed64
          ? rng.bytes(8)
          : wire === WIRE.bytes
            ? new ProtoWriter()
                .rawVarint(rng.int(0, 64))
                .raw(rng.bytes(rng.int(0, 64)))
                .finish()
            : Buffer.alloc(0);
  return { wire, bytes: body };
}

function adversarialValue(kind: Kind, rng: Prng, limits: Limits): PlainValue | undefined {
  if (rng.chance(0.06)) return wrongWire(kind, rng);
  if (rng.chance(0.04)) return undefined; // field removed
  switch (kind) {
    case 'uint32':
      return rng.pick([...U32_EDGES, ...VARINT_OVERFLOWS]);
    case 'enum':
      return rng.pick(ENUM_EDGES);
    case 'bool':
      return rng.pick([0n, 1n, 2n, 2n ** 32n, -1n]);
    case 'float':
      return rng.pick(FLOAT_EDGES);
    case 'string':
      return rng.pick(stringEdges(limits));
    case 'strings':
      return Array.from({ length: rng.pick([0, 1, 2, 16, 17, 33, 64, 65, 200]) }, () =>
        rng.chance(0.8) ? rng.pick(['return a + b', 'x', '\n', '']) : rng.pick(stringEdges(limits)),
      ).filter((value) => typeof value === 'string' || value.length < limits.maxMessageBytes / 4);
    case 'uint32s':
      return Array.from({ length: rng.pick([0, 1, 4, 32, 33, 100]) }, () =>
        rng.pick([...U32_EDGES, ...VARINT_OVERFLOWS]),
      );
    default:
      return rng.chance(0.5) ? {} : wrongWire(kind, rng);
  }
}

/** `type`'s baseline with 1 to 3 fields replaced by adversarial values (and sometimes an unknown field). */
export function mutated(type: string, rng: Prng, limits: Limits): Buffer {
  const request = clone(BASELINES[type]);
  const fields = leaves(SCHEMAS[type]).filter(
    (leaf) => !(type === 'EvaluateRequest' && leaf.path[0] === 'limit'),
  );
  const changes = fields.length === 0 ? 0 : rng.int(1, 3);
  for (let i = 0; i < changes; i++) {
    const leaf = rng.pick(fields);
    setPath(request, leaf.path, adversarialValue(leaf.kind, rng, limits));
  }
  const body = encode(SCHEMAS[type], request);
  if (rng.chance(0.05)) {
    // An unknown field of any wire type: must be skipped (or refused as malformed), never crash.
    const unknown = new ProtoWriter().tag(rng.int(12, 536_870_911), rng.pick([0, 1, 2, 5]));
    return Buffer.concat([body, unknown.raw(rng.bytes(rng.int(0, 12))).finish()]);
  }
  return body;
}

/** Wire-level damage to a valid request: truncated, a flipped byte, or duplicated. */
export function damaged(type: string, rng: Prng): Buffer {
  const body = Buffer.from(encode(SCHEMAS[type], BASELINES[type]));
  if (body.length === 0) return rng.bytes(rng.int(1, 16));
  switch (rng.int(0, 2)) {
    case 0:
      return body.subarray(0, rng.int(0, body.length - 1));
    case 1:
      body[rng.int(0, body.length - 1)] ^= 1 << rng.int(0, 7);
      return body;
    default:
      return Buffer.concat([body, body]);
  }
}

export function randomBytes(rng: Prng): Buffer {
  return rng.bytes(rng.pick([0, 1, 2, 5, 16, 64, 200, 1000]));
}

export function encode(schema: Schema, value: Plain): Buffer {
  const writer = new ProtoWriter();
  for (const [name, raw] of Object.entries(value)) {
    const spec = schema[name];
    if (!spec) continue;
    const [field, kind] = spec;
    writeField(writer, field, kind, raw);
  }
  return writer.finish();
}

function writeField(writer: ProtoWriter, field: number, kind: Kind, value: PlainValue): void {
  if (
    value &&
    typeof value === 'object' &&
    'wire' in value &&
    !Buffer.isBuffer(value) &&
    !Array.isArray(value)
  ) {
    const wrong = value as { wire: number; bytes: Buffer };
    writer.tag(field, wrong.wire).raw(wrong.bytes);
    return;
  }
  if (typeof kind === 'object') {
    writer.bytes(field, encode(kind, value as Plain));
    return;
  }
  switch (kind) {
    case 'float':
      writer.float(field, Number(value));
      return;
    case 'string':
      writer.bytes(field, value as string | Buffer);
      return;
    case 'strings':
      for (const item of value as Array<string | Buffer>) writer.bytes(field, item);
      return;
    case 'uint32s':
      writer.packed(field, value as bigint[]);
      return;
    default:
      writer.varint(field, typeof value === 'boolean' ? BigInt(value) : BigInt(value as number | bigint));
  }
}

/** Every numeric field of a request set to each edge value, one field at a time: a deterministic sweep. */
export function numericSweep(type: string, limits: Limits): Array<{ label: string; body: Buffer }> {
  const cases: Array<{ label: string; body: Buffer }> = [];
  for (const leaf of leaves(SCHEMAS[type])) {
    const values: PlainValue[] =
      leaf.kind === 'uint32'
        ? [...U32_EDGES, ...VARINT_OVERFLOWS]
        : leaf.kind === 'enum'
          ? ENUM_EDGES
          : leaf.kind === 'float'
            ? FLOAT_EDGES
            : leaf.kind === 'uint32s'
              ? [[0n], [2n ** 32n - 1n], [-1n], Array.from({ length: 33 }, () => 4n)]
              : leaf.kind === 'string'
                ? stringEdges(limits)
                : [];
    // Evaluate validates sampling and diffusion exactly as Infill does: its sweep covers its own fields.
    if (type === 'EvaluateRequest' && ['limit', 'sampling', 'diffusion'].includes(leaf.path[0])) continue;
    for (const value of values) {
      const request = clone(BASELINES[type]);
      setPath(request, leaf.path, value);
      cases.push({
        label: `${leaf.path.join('.')}=${describe(value)}`,
        body: encode(SCHEMAS[type], request),
      });
    }
  }
  return cases;
}

function describe(value: PlainValue): string {
  if (Buffer.isBuffer(value))
    return `bytes(${value.subarray(0, 8).toString('hex')}${value.length > 8 ? '...' : ''})`;
  if (typeof value === 'string')
    return value.length > 24 ? `string(${value.length} chars)` : JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.length} items]`;
  return String(value);
}
