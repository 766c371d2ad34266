// A seeded mutation fuzz of importOnnx: 3,000 files derived from valid models
// (exporter-shaped fixtures and exportOnnx output) by flipping bits, overwriting,
// inserting, deleting, duplicating and truncating bytes, and by bumping length
// varints. Each must import into a valid module or throw a SimdgradError (never
// another exception, never the reader's "unexpected error" fallback), and the
// engine's memory must be exactly as before once the modules are disposed.
import * as sg from 'simdgrad';
import { exportOnnx, importOnnx } from 'simdgrad/onnx';
import { beforeAll, describe, expect, it } from 'vitest';
import { dense, halfExact, prng, sklMlp, tf2onnx, torchDynamo, torchErfGelu, torchGemm } from './exporters.js';

const CASES = 3000;
const SEED = 20261201;

beforeAll(async () => {
  await sg.init({ simd: 'simd128' });
});

function mutate(src: Uint8Array, rnd: () => number): Uint8Array {
  const at = (n: number) => Math.floor(rnd() * n);
  let b = src.slice();
  const rounds = 1 + at(4);
  for (let k = 0; k < rounds; k++) {
    const i = at(b.length);
    switch (at(7)) {
      case 0: // flip one bit
        b[i] ^= 1 << at(8);
        break;
      case 1: // overwrite with a byte that matters to the wire format
        b[i] = [0x00, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x1a, 0x22, 0x3a, 0x42][at(11)];
        break;
      case 2: {
        // insert random bytes
        const ins = Uint8Array.from({ length: 1 + at(6) }, () => at(256));
        b = Uint8Array.from([...b.subarray(0, i), ...ins, ...b.subarray(i)]);
        break;
      }
      case 3: // delete a run
        b = Uint8Array.from([...b.subarray(0, i), ...b.subarray(i + 1 + at(8))]);
        break;
      case 4: // duplicate a run (repeats a field)
        b = Uint8Array.from([
          ...b.subarray(0, i + 1),
          ...b.subarray(Math.max(0, i - at(40)), i + 1),
          ...b.subarray(i + 1),
        ]);
        break;
      case 5: // truncate
        b = b.subarray(0, i);
        break;
      default: {
        // make a varint huge: continuation bits on a run of bytes
        for (let j = i; j < Math.min(b.length, i + 1 + at(10)); j++) b[j] |= 0x80;
      }
    }
    if (b.length === 0) break;
  }
  return b;
}

describe('importOnnx fuzz', () => {
  it(`${CASES} mutated and truncated files: a valid module or a SimdgradError, memory unchanged`, () => {
    const half = [dense(20, 8, 3), dense(8, 3, 4)].map((d) => ({ ...d, w: halfExact(d.w), b: halfExact(d.b) }));
    const mlp = new sg.nn.MLP([6, 5, 4], { activation: 'prelu', seed: 9 });
    const seeds = [
      torchGemm([dense(20, 8, 1), dense(8, 3, 2)]),
      torchGemm(half, 'float16'),
      torchErfGelu(dense(6, 5, 5), dense(5, 2, 6)),
      torchDynamo(dense(6, 5, 7), dense(5, 2, 8), 'relu'),
      tf2onnx([dense(20, 6, 9), dense(6, 3, 10)]),
      sklMlp([dense(4, 5, 11), dense(5, 3, 12)], [0, 1, 2]),
      exportOnnx(mlp),
      exportOnnx(new sg.nn.Sequential(new sg.nn.Flatten(), new sg.nn.Linear(3, 2, { seed: 1 }), new sg.nn.Softmax())),
    ];
    for (const p of mlp.parameters()) p.dispose();
    const before = sg.memory();
    const rnd = prng(SEED);
    const tally = { modules: 0, errors: 0 };
    const other: string[] = [];
    for (let n = 0; n < CASES; n++) {
      const bytes = mutate(seeds[n % seeds.length], rnd);
      try {
        const m = importOnnx(bytes, n % seeds.length === 5 ? { output: 'probabilities' } : {});
        expect(m).toBeInstanceOf(sg.nn.Sequential);
        for (const p of m.parameters()) p.dispose();
        tally.modules++;
      } catch (e) {
        if (!(e instanceof sg.SimdgradError) || /unexpected error/.test(e.message)) {
          other.push(`case ${n} (seed ${SEED}): ${(e as Error)?.name}: ${(e as Error)?.message}`);
        } else tally.errors++;
      }
    }
    expect(other).toEqual([]);
    expect(sg.memory()).toEqual(before);
    // both outcomes occur, so the fuzz exercises the reader and the builder
    expect(tally.modules).toBeGreaterThan(50);
    expect(tally.errors).toBeGreaterThan(1000);
    console.log(`fuzz: ${tally.modules} valid modules, ${tally.errors} SimdgradErrors`);
  }, 120_000);
});
