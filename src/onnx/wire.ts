// SPDX-License-Identifier: MIT
// The protobuf wire format, by hand: a bounds-checked reader (varint, fixed32,
// fixed64, length-delimited, skipping unknown fields) and a growable writer.
// Every read checks the bytes it needs are there, so a truncated or corrupted
// file is a SimdgradError, never a RangeError, an endless loop or an oversized
// allocation (lengths are checked against the bytes left before anything is
// allocated). 64-bit integers are read exactly up to ±2^53 (beyond that the
// value is rounded, which only ever makes it an invalid dim or index).
// see: https://protobuf.dev/programming-guides/encoding/

import { SimdgradError } from 'simdgrad';

/** Wire types: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 (3 and 4, groups, are not used by ONNX). */
export const VARINT = 0;
export const FIXED64 = 1;
export const LEN = 2;
export const FIXED32 = 5;

/** Thrown for any malformed or truncated input; the importer prefixes what it was reading. */
export class WireError extends SimdgradError {}

export class Reader {
  pos: number;
  readonly end: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
    view?: DataView,
  ) {
    this.pos = start;
    this.end = end;
    this.view = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  private fail(what: string): never {
    throw new WireError(`malformed protobuf: ${what} at byte ${this.pos}`);
  }

  /** A varint as two 32-bit halves [lo, hi] (integer arithmetic only, so exact). */
  private varint64(): [number, number] {
    let lo = 0;
    let hi = 0;
    let i = this.pos;
    for (let shift = 0; shift < 70; shift += 7) {
      if (i >= this.end) this.fail('truncated varint');
      const b = this.buf[i++];
      const bits = b & 0x7f;
      if (shift < 28) lo |= bits << shift;
      else if (shift === 28) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (shift - 32);
      if (b < 0x80) {
        this.pos = i;
        return [lo >>> 0, hi];
      }
    }
    return this.fail('varint longer than 10 bytes');
  }

  /** An unsigned varint as a float64 (exact below 2^53). */
  uvarint(): number {
    const [lo, hi] = this.varint64();
    return (hi >>> 0) * 2 ** 32 + lo;
  }

  /** A signed int64/int32 varint (two's complement: negatives take 10 bytes); exact within ±2^53. */
  svarint(): number {
    const [lo, hi] = this.varint64();
    return (hi | 0) * 2 ** 32 + lo;
  }

  /** A field key: [field number, wire type]. */
  key(): [number, number] {
    const k = this.uvarint();
    const field = Math.floor(k / 8);
    const wire = k % 8;
    if (field === 0 || field > 2 ** 29 - 1) this.fail(`invalid field number ${field}`);
    return [field, wire];
  }

  /** The [start, end) of a length-delimited payload; advances past it. */
  span(): [number, number] {
    const n = this.uvarint();
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end (${this.end - this.pos} bytes left)`);
    const start = this.pos;
    this.pos += n;
    return [start, this.pos];
  }

  bytes(): Uint8Array {
    const [s, e] = this.span();
    return this.buf.subarray(s, e);
  }

  string(): string {
    const b = this.bytes();
    try {
      return utf8.decode(b);
    } catch {
      return this.fail('a string that is not valid UTF-8');
    }
  }

  float32(): number {
    if (this.end - this.pos < 4) this.fail('truncated fixed32');
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    if (this.end - this.pos < 8) this.fail('truncated fixed64');
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A sub-reader over a length-delimited payload. */
  sub(): Reader {
    const [s, e] = this.span();
    return new Reader(this.buf, s, e, this.view);
  }

  /** Skips a field of wire type `wire`. */
  skip(wire: number): void {
    if (wire === VARINT) this.uvarint();
    else if (wire === FIXED64) {
      if (this.end - this.pos < 8) this.fail('truncated fixed64');
      this.pos += 8;
    } else if (wire === LEN) this.span();
    else if (wire === FIXED32) {
      if (this.end - this.pos < 4) this.fail('truncated fixed32');
      this.pos += 4;
    } else this.fail(`unsupported wire type ${wire}`);
  }

  /** Fails unless a field has the wire type the schema gives it. */
  expect(field: number, wire: number, want: number): void {
    if (wire !== want) this.fail(`field ${field} has wire type ${wire}, expected ${want}`);
  }

  /** Repeated float: packed (one LEN run) or one fixed32 per element; appends to `out`. */
  floats(field: number, wire: number, out: number[]): void {
    if (wire === FIXED32) out.push(this.float32());
    else {
      this.expect(field, wire, LEN);
      const [s, e] = this.span();
      if ((e - s) % 4 !== 0) this.fail(`packed floats of ${e - s} bytes (not a multiple of 4)`);
      for (let p = s; p < e; p += 4) out.push(this.view.getFloat32(p, true));
    }
  }

  /** Repeated double: packed or one fixed64 per element. */
  doubles(field: number, wire: number, out: number[]): void {
    if (wire === FIXED64) out.push(this.float64());
    else {
      this.expect(field, wire, LEN);
      const [s, e] = this.span();
      if ((e - s) % 8 !== 0) this.fail(`packed doubles of ${e - s} bytes (not a multiple of 8)`);
      for (let p = s; p < e; p += 8) out.push(this.view.getFloat64(p, true));
    }
  }

  /** Repeated (s)int varints: packed or one per element. */
  ints(field: number, wire: number, out: number[]): void {
    if (wire === VARINT) out.push(this.svarint());
    else {
      this.expect(field, wire, LEN);
      const [s, e] = this.span();
      const r = new Reader(this.buf, s, e, this.view);
      while (!r.done) out.push(r.svarint());
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const utf8enc = new TextEncoder();

/** Growable protobuf writer. Messages are built inside-out: `message(field, w => …)`. */
export class Writer {
  private buf = new Uint8Array(256);
  private n = 0;

  private ensure(k: number): void {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }

  /** A varint of a non-negative integer below 2^53, or a negative one (10-byte two's complement). */
  varint(v: number): this {
    this.ensure(10);
    if (v < 0) {
      // two's complement over 64 bits, written 7 bits at a time from two 32-bit halves
      let lo = (v % 2 ** 32) >>> 0;
      let hi = Math.floor(v / 2 ** 32) >>> 0;
      for (let k = 0; k < 9; k++) {
        this.buf[this.n++] = (lo & 0x7f) | 0x80;
        lo = (lo >>> 7) | ((hi & 0x7f) << 25);
        hi >>>= 7;
      }
      this.buf[this.n++] = lo & 0x01;
      return this;
    }
    let x = v;
    while (x >= 0x80) {
      this.buf[this.n++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.n++] = x;
    return this;
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  int(field: number, v: number): this {
    return this.tag(field, VARINT).varint(v);
  }

  float(field: number, v: number): this {
    this.tag(field, FIXED32).ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.n, v, true);
    this.n += 4;
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.tag(field, LEN).varint(b.length).ensure(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, utf8enc.encode(s));
  }

  /** Packed repeated int64. */
  packedInts(field: number, vs: readonly number[]): this {
    const w = new Writer();
    for (const v of vs) w.varint(v);
    return this.bytes(field, w.finish());
  }

  message(field: number, build: (w: Writer) => void): this {
    const w = new Writer();
    build(w);
    return this.bytes(field, w.finish());
  }

  finish(): Uint8Array {
    return this.buf.slice(0, this.n);
  }
}
