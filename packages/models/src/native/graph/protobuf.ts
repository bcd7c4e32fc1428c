/**
 * The few protocol-buffer encodings a SavedModel file needs, written by hand: tfjs-node can load a SavedModel but
 * ships no writer, and a generated codec for TensorFlow's protos would be a large dependency for six messages.
 * Wire format: https://protobuf.dev/programming-guides/encoding/ (varints, length-delimited fields, packed lists).
 */

const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

/** Appends fields of one message; `finish()` returns the encoded message. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(chunk: Uint8Array): this {
    this.chunks.push(chunk);
    this.length += chunk.length;
    return this;
  }

  private tag(field: number, wire: number): this {
    return this.push(varint(BigInt((field << 3) | wire)));
  }

  /** int32/int64/enum/bool field (negative values take ten bytes, as in protobuf). */
  int(field: number, value: number | bigint | boolean): this {
    const n = typeof value === 'boolean' ? (value ? 1n : 0n) : BigInt(value);
    return this.tag(field, WIRE_VARINT).push(varint(n < 0n ? n + (1n << 64n) : n));
  }

  float(field: number, value: number): this {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    return this.tag(field, WIRE_FIXED32).push(bytes);
  }

  bytes(field: number, value: Uint8Array): this {
    return this.tag(field, WIRE_LENGTH_DELIMITED).push(varint(BigInt(value.length))).push(value);
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (writer: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** A map<string, V> field: one entry message (key = 1, value = 2) per key. */
  map<V>(field: number, entries: Iterable<readonly [string, V]>, value: (writer: ProtoWriter, v: V) => void): this {
    for (const [key, v] of entries) this.message(field, (entry) => value(entry.string(1, key), v));
    return this;
  }

  packedInts(field: number, values: readonly (number | bigint | boolean)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) {
      const n = typeof v === 'boolean' ? (v ? 1n : 0n) : BigInt(v);
      inner.push(varint(n < 0n ? n + (1n << 64n) : n));
    }
    return this.bytes(field, inner.finish());
  }

  packedFloats(field: number, values: readonly number[]): this {
    const bytes = new Uint8Array(4 * values.length);
    const view = new DataView(bytes.buffer);
    values.forEach((v, i) => view.setFloat32(4 * i, v, true));
    return this.bytes(field, bytes);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }
}

function varint(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) byte |= 0x80;
    out.push(byte);
  } while (v !== 0n);
  return Uint8Array.from(out);
}
