// safetensors: round trip bit for bit, the numpy-written fixture, every malformed
// case of docs/testing.md §4 as one SimdgradError with memory unchanged, and a seeded
// mutation fuzz (flip / insert / delete / truncate bytes).
import { readFileSync } from 'node:fs';
import { fc, it as itProp } from '@fast-check/vitest';
import * as sg from 'simdgrad';
import { beforeAll, describe, expect, it } from 'vitest';

beforeAll(async () => {
  await sg.init();
});

const fixture = (f: string) => new URL(`./fixtures/${f}`, import.meta.url);

/** A file from a header (object or raw JSON text) and a data section. */
function file(header: unknown, data: Uint8Array | number = 0, pad = true): Uint8Array {
  let text = typeof header === 'string' ? header : JSON.stringify(header);
  if (pad) text += ' '.repeat((8 - (text.length % 8)) % 8);
  const json = new TextEncoder().encode(text);
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + json.length + body.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(body, 8 + json.length);
  return out;
}

const f32 = (shape: number[], begin: number, end: number) => ({ dtype: 'F32', shape, data_offsets: [begin, end] });

/** Runs a load expected to fail: a SimdgradError matching `re`, memory unchanged, engine usable. */
function rejects(bytes: Uint8Array, re: RegExp): void {
  const m0 = sg.memory();
  let err: unknown;
  try {
    sg.io.loadSafetensors(bytes);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a SimdgradError matching ${re}`).toBeInstanceOf(sg.SimdgradError);
  expect((err as Error).message).toMatch(/^loadSafetensors: /);
  expect((err as Error).message).toMatch(re);
  expect(sg.memory()).toEqual(m0);
  const t = sg.add(sg.ones([3]), 1);
  expect(Array.from(t.data())).toEqual([2, 2, 2]);
  t.dispose();
}

describe('saveSafetensors / loadSafetensors', () => {
  it('round-trips bit for bit: NaN payloads, ±0, ±inf, denormals, zero-size and 0-D tensors', () => {
    const bits = new Uint32Array([
      0x7fc00001, 0xffa00000, 0x80000000, 0, 0x7f800000, 0xff800000, 1, 0x807fffff, 0x3f800000,
    ]);
    const a = sg.tensor(new Float32Array(bits.buffer), [3, 3]);
    const b = sg.zeros([0, 5]);
    const c = sg.tensor(3.25);
    const d = sg.arange(0, 17);
    const state = new Map([
      ['layer.weight', a],
      ['empty', b],
      ['scalar', c],
      ['0', d],
    ]);
    const bytes = sg.io.saveSafetensors(state, { metadata: { format: 'pt', note: 'ünïcode' } });
    const headerLen = new DataView(bytes.buffer).getUint32(0, true);
    expect(headerLen % 8).toBe(0);
    expect(new DataView(bytes.buffer).getUint32(4, true)).toBe(0);
    const back = sg.io.loadSafetensors(bytes);
    expect([...back.keys()]).toEqual(['layer.weight', 'empty', 'scalar', '0']);
    expect(back.metadata).toEqual({ format: 'pt', note: 'ünïcode' });
    for (const [name, t] of state) {
      const u = back.get(name) as sg.Tensor;
      expect(u.shape).toEqual(t.shape);
      expect(new Uint32Array(u.data().buffer)).toEqual(new Uint32Array(t.data().buffer));
    }
    // saving the loaded map again gives the same bytes (metadata carried by the map)
    expect(sg.io.saveSafetensors(back)).toEqual(bytes);
    for (const t of [...state.values(), ...back.values()]) t.dispose();
  });

  it('accepts a plain object and an ArrayBuffer; no metadata gives null', () => {
    const w = sg.tensor([1, 2, 3, 4], [2, 2]);
    const bytes = sg.io.saveSafetensors({ w });
    const back = sg.io.loadSafetensors(bytes.slice().buffer);
    expect(back.metadata).toBeNull();
    expect(back.get('w')?.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    w.dispose();
    back.get('w')?.dispose();
  });

  it('rejects bad input to save, allocating nothing', () => {
    const m0 = sg.memory();
    const t = sg.ones([2]);
    t.dispose();
    const m1 = sg.memory();
    expect(() => sg.io.saveSafetensors(new Map([['x', t]]))).toThrow(/disposed/);
    expect(() => sg.io.saveSafetensors(new Map([['x', 3 as unknown as sg.Tensor]]))).toThrow(/"x" is not a Tensor/);
    expect(() => sg.io.saveSafetensors(null as unknown as Map<string, sg.Tensor>)).toThrow(sg.SimdgradError);
    expect(() => sg.io.saveSafetensors(new Map(), { metadata: { a: 1 as unknown as string } })).toThrow(
      /metadata value for "a" must be a string/,
    );
    expect(sg.memory()).toEqual(m1);
    expect(m1).toEqual(m0);
  });

  it('reads the numpy-written fixture (PyTorch layout, __metadata__ format=pt)', () => {
    const bytes = new Uint8Array(readFileSync(fixture('mlp-8-16-12-4.safetensors')));
    const m = sg.io.loadSafetensors(bytes);
    expect(m.metadata).toEqual({ format: 'pt' });
    expect([...m.keys()]).toEqual(['0.weight', '0.bias', '2.weight', '2.bias', '4.weight', '4.bias']);
    expect(m.get('0.weight')?.shape).toEqual([16, 8]);
    expect(m.get('4.bias')?.shape).toEqual([4]);
    // the data is the file's bytes, verbatim
    const headerLen = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    const w0 = new Float32Array(bytes.slice(8 + headerLen, 8 + headerLen + 512).buffer);
    expect(m.get('0.weight')?.data()).toEqual(w0);
    for (const t of m.values()) t.dispose();
  });
});

describe('malformed files: one SimdgradError each, memory unchanged', () => {
  const ok = { a: f32([2], 0, 8), b: f32([1, 1], 8, 12) };

  it('a valid hand-made file loads (control)', () => {
    const m = sg.io.loadSafetensors(file(ok, 12));
    expect(m.size).toBe(2);
    for (const t of m.values()) t.dispose();
  });
  it('shorter than 8 bytes', () => {
    for (let n = 0; n < 8; n++) rejects(new Uint8Array(n), /too small: \d bytes/);
  });
  it('header length past the end of the file', () => {
    const f = file(ok, 12);
    new DataView(f.buffer).setUint32(0, f.length, true);
    rejects(f, /header length \d+ runs past the end of the file/);
  });
  it('header length over 100 MB or beyond 32 bits', () => {
    const f = file(ok, 12);
    new DataView(f.buffer).setUint32(0, 100_000_001, true);
    rejects(f, /larger than the 100000000-byte limit/);
    const g = file(ok, 12);
    new DataView(g.buffer).setUint32(4, 1, true);
    rejects(g, /larger than the/);
  });
  it('invalid UTF-8', () => {
    const f = file('{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"\xff":1}');
    f[f.indexOf(0xc3, 8)] = 0xff; // break the two-byte sequence of ÿ
    rejects(f, /not valid UTF-8/);
    const g = file('{"a":1}   ');
    g[12] = 0xc0; // an overlong lead byte
    rejects(g, /not valid UTF-8/);
  });
  it('invalid JSON', () => {
    rejects(file('{"a":{"dtype":"F32",'), /not valid JSON/);
    rejects(file('{"a":1}x'), /not valid JSON/);
  });
  it('header not an object / first byte not {', () => {
    rejects(file('[1,2,3]'), /starting with '\{'/);
    rejects(file(' {"a":1}'), /starting with '\{'/);
    rejects(file('null'), /starting with '\{'/);
  });
  it('entry not an object, fields of the wrong type', () => {
    rejects(file({ a: 5 }), /tensor "a": expected \{dtype, shape, data_offsets\}/);
    rejects(file({ a: { dtype: 32, shape: [1], data_offsets: [0, 4] } }, 4), /tensor "a": dtype must be a string/);
    rejects(file({ a: { dtype: 'F32', shape: [-1], data_offsets: [0, 4] } }, 4), /tensor "a": shape must be/);
    rejects(file({ a: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, 4), /tensor "a": shape must be/);
    rejects(file({ a: { dtype: 'F32', shape: '4', data_offsets: [0, 4] } }, 4), /tensor "a": shape must be/);
    rejects(file({ a: { dtype: 'F32', shape: [1], data_offsets: [0] } }, 4), /tensor "a": data_offsets must be two/);
    rejects(file({ __metadata__: { n: 3 } }), /__metadata__ value for "n" must be a string/);
    rejects(file({ __metadata__: [] }), /__metadata__ must be an object/);
  });
  it('unknown and unsupported dtypes, named', () => {
    rejects(file({ a: { dtype: 'F31', shape: [1], data_offsets: [0, 4] } }, 4), /tensor "a": unknown dtype "F31"/);
    rejects(file({ a: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }, 4), /tensor "a": unsupported dtype F16/);
    rejects(file({ a: { dtype: 'F64', shape: [1], data_offsets: [0, 8] } }, 8), /unsupported dtype F64/);
  });
  it('shape × 4 ≠ span', () => {
    rejects(
      file({ a: f32([3], 0, 8) }, 8),
      /tensor "a": shape \[3\] × 4 bytes \(F32\) = 12 bytes, but data_offsets \[0,8\] span 8/,
    );
    rejects(file({ a: f32([2 ** 20, 2 ** 20], 0, 8) }, 8), /tensor "a": shape .* too large/);
  });
  it('offsets negative, fractional, reversed, out of range', () => {
    rejects(file({ a: f32([1], -4, 0) }, 4), /tensor "a": invalid data_offsets \[-4,0\]/);
    rejects(file({ a: f32([1], 0.5, 4.5) }, 5), /tensor "a": data_offsets must be two integers/);
    rejects(file({ a: f32([0], 4, 0) }, 4), /invalid data_offsets \[4,0\]/);
    rejects(file({ a: f32([4], 0, 16) }, 12), /tensor "a": data_offsets \[0,16\] run past the data section \(12 bytes/);
  });
  it('overlapping, holes, trailing bytes', () => {
    rejects(file({ a: f32([2], 0, 8), b: f32([2], 4, 12) }, 12), /tensor "b": .* overlap/);
    rejects(file({ a: f32([1], 0, 4), b: f32([1], 8, 12) }, 12), /tensor "b": .* leave a hole at bytes \[4,8\)/);
    rejects(file({ a: f32([1], 4, 8) }, 8), /tensor "a": .* leave a hole at bytes \[0,4\)/);
    rejects(file({ a: f32([1], 0, 4) }, 8), /4 trailing bytes belong to no tensor/);
  });
  it('duplicate names', () => {
    rejects(
      file(
        '{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
        8,
      ),
      /duplicate tensor name "a"/,
    );
    rejects(
      file(
        '{"\\u0061":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}',
        8,
      ),
      /duplicate tensor name "a"/,
    );
  });
  it('truncated data (every cut of a valid file)', () => {
    const w = sg.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = sg.tensor([7, 8], [2]);
    const full = sg.io.saveSafetensors(
      new Map([
        ['w', w],
        ['b', b],
      ]),
    );
    w.dispose();
    b.dispose();
    for (let n = 0; n < full.length; n++) rejects(full.slice(0, n), /./);
  });
  it('not bytes at all', () => {
    rejects('abc' as unknown as Uint8Array, /expected a Uint8Array/);
  });
});

describe('property: save then load is bit-identical (fast-check, fixed seed)', () => {
  const entry = fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }).chain((shape) =>
    fc.tuple(
      fc.constant(shape),
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), {
        minLength: shape.reduce((a, d) => a * d, 1),
        maxLength: shape.reduce((a, d) => a * d, 1),
      }),
    ),
  );
  const state = fc.uniqueArray(fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), entry), {
    selector: ([name]) => name,
    maxLength: 6,
  });
  const meta = fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 16 })), { nil: undefined });
  itProp.prop([state, meta], { seed: 20261128, numRuns: 100 })(
    'any names, shapes, bit patterns and metadata',
    (entries, metadata) => {
      const named = entries.filter(([name]) => name !== '__metadata__');
      const m0 = sg.memory();
      const tensors = new Map(
        named.map(([name, [shape, bits]]) => [name, sg.tensor(new Float32Array(Uint32Array.from(bits).buffer), shape)]),
      );
      const bytes = sg.io.saveSafetensors(tensors, { metadata: metadata ?? null });
      const back = sg.io.loadSafetensors(bytes);
      expect([...back.keys()]).toEqual([...tensors.keys()]);
      expect(back.metadata).toEqual(metadata ?? null);
      for (const [name, t] of tensors) {
        const u = back.get(name) as sg.Tensor;
        expect(u.shape).toEqual(t.shape);
        expect(new Uint32Array(u.data().buffer)).toEqual(new Uint32Array(t.data().buffer));
      }
      for (const t of [...tensors.values(), ...back.values()]) t.dispose();
      expect(sg.memory()).toEqual(m0);
    },
  );
});

describe('mutation fuzz (fixed seed)', () => {
  it('flips, inserts, deletes and truncates bytes: a valid map or a SimdgradError, memory unchanged', () => {
    const base = new Uint8Array(readFileSync(fixture('mlp-8-16-12-4.safetensors')));
    const headerEnd = 8 + new DataView(base.buffer, base.byteOffset).getUint32(0, true);
    let s = 0x9e3779b9;
    const rnd = (n: number) => {
      s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      s ^= s >>> 13;
      return (s >>> 0) % n;
    };
    const m0 = sg.memory();
    let valid = 0;
    let errors = 0;
    for (let i = 0; i < 3000; i++) {
      let b = base.slice();
      const edits = 1 + rnd(3);
      for (let e = 0; e < edits; e++) {
        // mostly aim at the header, where the structure is
        const at = rnd(4) === 0 ? rnd(b.length + 1) : rnd(Math.min(b.length, headerEnd) + 1);
        const kind = rnd(4);
        if (kind === 0 && at < b.length) b[at] ^= 1 << rnd(8);
        else if (kind === 1) b = Uint8Array.from([...b.subarray(0, at), rnd(256), ...b.subarray(at)]);
        else if (kind === 2 && at < b.length) b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1)]);
        else b = b.slice(0, at);
      }
      try {
        const m = sg.io.loadSafetensors(b);
        valid++;
        for (const t of m.values()) t.dispose();
      } catch (e) {
        if (!(e instanceof sg.SimdgradError)) throw new Error(`mutation ${i} threw ${(e as Error)?.name}: ${e}`);
        errors++;
      }
      if (i % 500 === 0) expect(sg.memory()).toEqual(m0);
    }
    expect(sg.memory()).toEqual(m0);
    expect(errors).toBeGreaterThan(1000);
    expect(valid).toBeGreaterThan(0); // data-only flips stay valid
  });
});
