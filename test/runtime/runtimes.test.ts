// The fixed workload (workload.js) through the built package in Node 20, Node 24
// LTS, Deno, Bun, headless Chromium (strict CSP) and workerd. With the simd128 build
// every runtime must print the golden digest; the relaxed build (in every runtime
// here: Node 20 with the flag, Node 24, Deno, Bun, Chromium, workerd) is compared with
// simd128 section by section: bit-identical outside the GEMM, within a tolerance
// in it. A runtime that cannot start fails its test with a message naming it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DigestRecord,
  RELAXED_RUNTIMES,
  root,
  runBun,
  runChromium,
  runDeno,
  runNode,
  runNode24,
  runWorkerd,
} from './runners.mjs';
import { digest, viaGemm, WORKLOAD_VERSION } from './workload.js';

interface Golden {
  workloadVersion: number;
  digest: string;
  sections: Record<string, { n: number; sha256: string }>;
}
const golden: Golden = JSON.parse(readFileSync(join(root, 'test/runtime/golden/simd128.json'), 'utf8'));

type Outcome = { ok: true; r: DigestRecord } | { ok: false; error: Error };
const settle = (p: Promise<DigestRecord>): Promise<Outcome> =>
  p.then(
    (r) => ({ ok: true as const, r }),
    (error: Error) => ({ ok: false as const, error }),
  );

function get(o: Outcome | undefined, what: string): DigestRecord {
  if (!o) throw new Error(`${what}: not run`);
  if (!o.ok) throw o.error;
  return o.r;
}

/** Names the sections that differ from the golden file (a clearer failure than two hashes). */
function sectionDiff(r: DigestRecord): string[] {
  const names = new Set([...Object.keys(golden.sections), ...r.sections.map((s) => s.name)]);
  const bad: string[] = [];
  for (const name of names) {
    const got = r.sections.find((s) => s.name === name);
    const want = golden.sections[name];
    if (!got || !want || got.n !== want.n || got.sha256 !== want.sha256) bad.push(name);
  }
  return bad;
}

const f32 = (b64: string) => {
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return new Float32Array(bytes.buffer);
};

// The relaxed build fuses the GEMM's multiply-adds where the hardware has FMA. A
// fused dot product of length K differs from the unfused one by at most about
// γ_K·Σ|aᵢbᵢ| (both are within that of the exact value); after three SGD steps on
// O(1) data the differences stay far below 1e-4 relative, so this bound catches a
// wrong kernel (differences of O(1)) without flagging rounding.
const RTOL = 1e-4;
const ATOL = 1e-5;

describe('the digest', () => {
  const of = async (bits: number[]) =>
    (
      await digest({
        backend: 'simd128',
        version: 0,
        sections: [['s', new Float32Array(new Uint32Array(bits).buffer)]],
      })
    ).digest;

  it('maps every NaN bit pattern to 0x7fc00000 and nothing else', async () => {
    const base = await of([0x3f800000, 0x7fc00000]);
    expect(await of([0x3f800000, 0xffc00000])).toBe(base); // sign
    expect(await of([0x3f800000, 0x7f800001])).toBe(base); // signalling payload
    expect(await of([0x3f800000, 0x7fffffff])).toBe(base);
    expect(await of([0x3f800000, 0x7f800000])).not.toBe(base); // +inf is not NaN
    expect(await of([0x00000000])).not.toBe(await of([0x80000000])); // +0 and −0 differ
    expect(await of([0x00000001])).not.toBe(await of([0x00000000])); // a denormal is not 0
  });
});

describe('runtimes: the simd128 workload gives the golden digest everywhere', () => {
  const simd128: Record<string, Outcome> = {};
  let nodeValues: Outcome | undefined;
  const relaxed: Record<string, Outcome> = {};

  beforeAll(async () => {
    const split = <T>(p: Promise<Record<string, T>>) =>
      p.then(
        (r) => r,
        (error: Error) => error,
      );
    const [node, node24, deno, bun, nv, nr, n24r, dr, br, ch, wd] = await Promise.all([
      settle(runNode('simd128')),
      settle(runNode24('simd128')),
      settle(runDeno('simd128')),
      settle(runBun('simd128')),
      settle(runNode('simd128', { values: true })),
      settle(runNode('relaxed', { values: true })),
      settle(runNode24('relaxed', { values: true })),
      settle(runDeno('relaxed', { values: true })),
      settle(runBun('relaxed', { values: true })),
      split(runChromium(['simd128', 'relaxed'], { values: true })),
      split(runWorkerd(['simd128', 'relaxed'], { values: true })),
    ]);
    Object.assign(simd128, { node, node24, deno, bun });
    nodeValues = nv;
    Object.assign(relaxed, { node: nr, node24: n24r, deno: dr, bun: br });
    for (const [rt, r] of [
      ['chromium', ch],
      ['workerd', wd],
    ] as const) {
      simd128[rt] = r instanceof Error ? { ok: false, error: r } : { ok: true, r: r.simd128 };
      relaxed[rt] = r instanceof Error ? { ok: false, error: r } : { ok: true, r: r.relaxed };
    }
  }, 150_000);

  it('the golden file belongs to this workload version', () => {
    expect(golden.workloadVersion, 'workload.js changed: regenerate with `npm run golden`').toBe(WORKLOAD_VERSION);
  });

  for (const rt of ['node', 'node24', 'deno', 'bun', 'chromium', 'workerd']) {
    it(`${rt}: simd128 digest equals the golden digest`, () => {
      const r = get(simd128[rt], rt);
      expect(r.backend).toBe('simd128');
      if (r.resolved !== undefined) expect(r.resolved).toMatch(/\/build\/index\.js$/);
      expect(sectionDiff(r), `${rt}: sections that differ from test/runtime/golden/simd128.json`).toEqual([]);
      expect(r.digest).toBe(golden.digest);
    });
  }

  it('chromium: the page ran under the strict CSP with no violation and no console error', () => {
    for (const o of [simd128.chromium, relaxed.chromium]) {
      const r = get(o, 'chromium');
      expect(r.violations).toEqual([]);
      expect(r.problems).toEqual([]);
    }
  });

  for (const rt of RELAXED_RUNTIMES) {
    it(`${rt}: the relaxed build matches simd128 (bit-exact outside the GEMM, within rtol ${RTOL} in it)`, () => {
      const r = get(relaxed[rt], `${rt} (relaxed)`);
      const ref = get(nodeValues, 'node (simd128 values)');
      expect(r.backend).toBe('relaxed-simd');
      expect(r.sections.map((s) => s.name)).toEqual(ref.sections.map((s) => s.name));
      for (let i = 0; i < ref.sections.length; i++) {
        const want = ref.sections[i];
        const got = r.sections[i];
        if (!viaGemm(want.name)) {
          expect(got.sha256, `${rt} relaxed: section ${want.name} must be bit-identical to simd128`).toBe(want.sha256);
          continue;
        }
        const a = f32(got.values!);
        const b = f32(want.values!);
        let worst = { i: -1, err: 0 };
        for (let j = 0; j < b.length; j++) {
          if (Number.isNaN(b[j]) || !Number.isFinite(b[j])) {
            expect(Object.is(a[j], b[j]) || (Number.isNaN(a[j]) && Number.isNaN(b[j]))).toBe(true);
            continue;
          }
          const err = Math.abs(a[j] - b[j]) / (RTOL * Math.abs(b[j]) + ATOL);
          if (err > worst.err) worst = { i: j, err };
        }
        expect(
          worst.err,
          `${rt} relaxed: ${want.name}[${worst.i}] = ${a[worst.i]} vs simd128 ${b[worst.i]} (ratio to bound)`,
        ).toBeLessThanOrEqual(1);
      }
    });
  }
});
