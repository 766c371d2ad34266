// Comparison helpers shared by the numeric tests (docs/testing.md conventions):
// NaN matches only NaN, ±inf only itself; rtol and atol come together; a
// failure names the worst index with its absolute, relative and ULP error.

const f32 = new Float32Array(1);
const i32 = new Int32Array(f32.buffer);

/** Monotonic integer key of an f32 (−0 → −1, +0 → 0), for ULP distances. */
function key(x: number): number {
  f32[0] = x;
  const b = i32[0];
  return b >= 0 ? b : -(b & 0x7fffffff) - 1;
}

/** Distance in representable f32 values (0 for NaN vs NaN, Infinity for NaN vs number). */
export function ulpDistance(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.POSITIVE_INFINITY;
  return Math.abs(key(a) - key(b));
}

export type Tol = { rtol: number; atol: number } | { ulp: number } | { exact: true };

/** Throws with the worst element when `actual` and `ref` differ beyond `tol`. */
export function assertClose(actual: ArrayLike<number>, ref: ArrayLike<number>, tol: Tol, what = 'values'): void {
  if (actual.length !== ref.length) throw new Error(`${what}: length ${actual.length} ≠ reference ${ref.length}`);
  let worst = -1;
  let worstScore = 0;
  for (let i = 0; i < ref.length; i++) {
    const a = actual[i];
    const r = ref[i];
    let bad: boolean;
    let score: number;
    if (Number.isNaN(r) || Number.isNaN(a)) {
      bad = Number.isNaN(r) !== Number.isNaN(a);
      score = bad ? Number.POSITIVE_INFINITY : 0;
    } else if (!Number.isFinite(r) || !Number.isFinite(a)) {
      bad = a !== r;
      score = bad ? Number.POSITIVE_INFINITY : 0;
    } else if ('exact' in tol) {
      bad = !Object.is(a, r);
      score = bad ? Math.abs(a - r) + 1 : 0;
    } else if ('ulp' in tol) {
      score = ulpDistance(a, Math.fround(r));
      bad = score > tol.ulp;
    } else {
      const err = Math.abs(a - r);
      score = err / (tol.atol + tol.rtol * Math.abs(r));
      bad = score > 1;
    }
    if (bad && score >= worstScore) {
      worst = i;
      worstScore = score;
    }
  }
  if (worst >= 0) {
    const a = actual[worst];
    const r = ref[worst];
    const abs = Math.abs(a - r);
    throw new Error(
      `${what}: mismatch at index ${worst}: got ${a}, expected ${r} (abs ${abs}, rel ${abs / Math.abs(r)}, ulp ${ulpDistance(a, Math.fround(r))}; tolerance ${JSON.stringify(tol)})`,
    );
  }
}

/** Integer-only seeded generator (xorshift32 + Math.imul mixing): same numbers everywhere. */
export function rng(seed: number): () => number {
  let s = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return Math.imul(s, 0x2545f491) >>> 0;
  };
}

/** n float32 values uniform in [lo, hi) from a seed. */
export function uniform(n: number, seed: number, lo = -1, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + ((r() >>> 8) / 2 ** 24) * (hi - lo);
  return out;
}
