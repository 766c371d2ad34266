import { sigmoid_fwd, tanh_fwd } from "../activations";
import {
  int8_chain_scratch_bytes, int8_dot_mode, int8_pack, int8_pack_bytes, int8_quantize_rows, int8_scratch_bytes,
  linear_int8_chain, linear_int8_fwd,
} from "../int8";
import { alloc, bits, canariesOk, get, guard, rnd, seed, set } from "./ulp";

// Int8 linear against a scalar reference, EXACTLY: the reference quantizes with
// the documented rule in scalar f32 (amax, 127/amax, nearest ties-to-even, clamp
// to ±127), sums the int products in i64, and applies the same f32 epilogue
// (f32(acc)·(sx·sw) + b, then the activation).
const CAP = 6 * 1100 + 64;
const WCAP = 20 * 1100 + 64;
const X = alloc(CAP), W = alloc(WCAP), Y = alloc(CAP), R = alloc(CAP), Y1 = alloc(CAP);
const SW = alloc(64), B = alloc(64), AL = alloc(64), SCR = alloc(40000);
const Q = alloc(WCAP / 4 + 16), WP = alloc(WCAP / 2 + 64), XQ = alloc(CAP);
/** Bytes per packed weight: int16 in the simd128 build, int8 in the relaxed build. */
const WB: i32 = ASC_FEATURE_RELAXED_SIMD ? 1 : 2;
const XS = alloc(64);

const MS: i32[] = [1, 2, 3, 5];
const NS: i32[] = [1, 3, 4, 5, 7, 8, 9, 13, 17];
const KS: i32[] = [0, 1, 3, 7, 8, 9, 15, 16, 17, 33, 100];

/** The rule in scalar f32: q[i] (i8 at dst) and the returned scale amax / 127. */
function refQuant(src: usize, dst: usize, K: i32): f32 {
  let amax: f32 = 0;
  for (let k = 0; k < K; k++) amax = max(amax, abs(get(src, k)));
  const inv: f32 = amax == 0 ? 0 : <f32>127.0 / amax;
  for (let k = 0; k < K; k++) {
    const f = nearest(get(src, k) * inv);
    store<i8>(dst + <usize>k, f != f ? 0 : <i8>(<i32>min(max(f, <f32>-127), <f32>127)));
  }
  return amax / 127;
}

function q8(p: usize, i: i32): i32 {
  return <i32>load<i8>(p + <usize>i);
}

/** Scalar reference of linear_int8_fwd with activation code act (0 none, 1 relu, 4 prelu per channel). */
function reference(M: i32, N: i32, K: i32, act: i32, bias: bool): void {
  for (let i = 0; i < M; i++) {
    const sx = refQuant(X + <usize>(i * K * 4), XQ, K);
    for (let n = 0; n < N; n++) {
      let acc: i64 = 0;
      for (let k = 0; k < K; k++) acc += <i64>(q8(XQ, k) * q8(Q, n * K + k));
      let v: f32 = <f32>(<i32>acc) * (sx * get(SW, n));
      if (bias) v = v + get(B, n);
      if (act == 1) v = max(v, <f32>0.0);
      if (act == 4) v = v > 0 ? v : get(AL, n) * v;
      set(R, i * N + n, v);
    }
  }
}

function prepare(N: i32, K: i32): void {
  int8_quantize_rows(W, Q, SW, N, K);
  int8_pack(Q, WP, N, K);
}

function fillRnd(p: usize, n: i32, scale: f32): void {
  for (let i = 0; i < n; i++) set(p, i, rnd() * scale);
}

function sameBits(a: usize, b: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (bits(a, i) != bits(b, i)) return false;
  return true;
}

describe("int8 linear", () => {
  it("int8_pack_bytes: N rounded up to 8, K to 16, int16 (simd128) or int8 (relaxed); 0 when empty", () => {
    expect(int8_pack_bytes(256, 784)).toBe(256 * 784 * WB);
    expect(int8_pack_bytes(10, 3)).toBe(16 * 16 * WB);
    expect(int8_pack_bytes(0, 3)).toBe(0);
    expect(int8_pack_bytes(3, 0)).toBe(0);
    expect(int8_scratch_bytes(2, 9)).toBe(2 * 16 * 2 + 8 + 16);
    expect(int8_pack_bytes(5, 17)).toBe(8 * 32 * WB);
    expect(int8_pack_bytes(9, 17)).toBe(16 * 32 * WB);
  });

  it("weights quantize by the rule: per-row scale amax/127, ties to even, |q| <= 127, zero rows", () => {
    // row 0: amax 127 → inv 1: 2.5 → 2, 3.5 → 4, −2.5 → −2, −127 → −127 exactly
    const row0: f32[] = [2.5, 3.5, -2.5, -127, 127, 0.5, -0.5, 1.5];
    for (let k = 0; k < 8; k++) set(W, k, row0[k]);
    for (let k = 0; k < 8; k++) set(W, 8 + k, 0); // an all-zero row: scale 0, q 0
    for (let k = 0; k < 8; k++) set(W, 16 + k, <f32>(k - 4) * 1e-3);
    int8_quantize_rows(W, Q, SW, 3, 8);
    const want: i32[] = [2, 4, -2, -127, 127, 0, 0, 2];
    for (let k = 0; k < 8; k++) expect(q8(Q, k)).toBe(want[k]);
    for (let k = 0; k < 8; k++) expect(q8(Q, 8 + k)).toBe(0);
    expect(get(SW, 0)).toBe(<f32>1.0);
    expect(get(SW, 1)).toBe(<f32>0.0);
    expect(q8(Q, 16)).toBe(-127); // amax = 4e-3 at k = 0
    expect(get(SW, 2)).toBe(<f32>4e-3 / 127);
    seed(3);
    fillRnd(W, 17 * 33, 5);
    int8_quantize_rows(W, Q, SW, 17, 33);
    refQuant(W + <usize>(5 * 33 * 4), XQ, 33);
    for (let k = 0; k < 33; k++) expect(q8(Q, 5 * 33 + k)).toBe(q8(XQ, k));
  });

  it("matches the scalar reference exactly on every shape of the grid (none, relu, prelu; with and without bias)", () => {
    seed(11);
    for (let a = 0; a < MS.length; a++)
      for (let c = 0; c < NS.length; c++)
        for (let d = 0; d < KS.length; d++) {
          const M = MS[a], N = NS[c], K = KS[d];
          fillRnd(X, M * K, 3);
          // every other shape without negative inputs: the relaxed build's int8·int7 path
          if ((d & 1) != 0) for (let i = 0; i < M * K; i++) set(X, i, abs(get(X, i)));
          fillRnd(W, N * K, 0.2);
          fillRnd(B, N, 1);
          fillRnd(AL, N, 0.5);
          prepare(N, K);
          const acts: i32[] = [0, 1, 4];
          for (let t = 0; t < 3; t++) {
            const bias = t != 1;
            reference(M, N, K, acts[t], bias);
            guard(Y, M * N);
            linear_int8_fwd(X, WP, SW, bias ? B : 0, AL, Y, M, N, K, acts[t], N, SCR);
            expect(sameBits(Y, R, M * N)).toBe(true);
            expect(canariesOk(Y, M * N)).toBe(true);
          }
        }
  });

  it("sums exactly: ±127 inputs against −128/127 weights, K up to 1030, unit scales", () => {
    const Ks: i32[] = [1, 7, 9, 31, 515, 1030];
    for (let s = 0; s < Ks.length; s++) {
      const K = Ks[s], N = 5, M = 3;
      seed(<u32>(70 + s));
      // inputs are integers with a ±127 in each row, so inv = 1 and q = x exactly
      for (let i = 0; i < M * K; i++) set(X, i, i % 4 == 0 ? (rnd() > 0 ? 127 : -127) : <f32>(<i32>(rnd() * 127)));
      for (let i = 0; i < M; i++) set(X, i * K, 127);
      for (let n = 0; n < N; n++) {
        set(SW, n, 1);
        for (let k = 0; k < K; k++) store<i8>(Q + <usize>(n * K + k), <i8>(n == 0 ? -128 : (k & 1) != 0 ? 127 : -128));
      }
      int8_pack(Q, WP, N, K);
      for (let pass = 0; pass < 2; pass++) {
        // pass 1: |x| (no negative input: the relaxed int8·int7 path, 127·(−128) pairs at the int16 edge)
        if (pass == 1) for (let i = 0; i < M * K; i++) set(X, i, abs(get(X, i)));
        linear_int8_fwd(X, WP, SW, 0, 0, Y, M, N, K, 0, 1, SCR);
        for (let i = 0; i < M; i++)
          for (let n = 0; n < N; n++) {
            let acc: i64 = 0;
            for (let k = 0; k < K; k++) acc += <i64>(<i32>get(X, i * K + k)) * <i64>q8(Q, n * K + k);
            expect(get(Y, i * N + n)).toBe(<f32>acc);
          }
      }
    }
  });

  it("batch 1 (one row, 8-row weight tiles) and batch M (2x4 tiles) give the same bits row for row", () => {
    seed(23);
    const N = 45, K = 93, M = 5;
    fillRnd(X, M * K, 2);
    for (let i = 0; i < M * K; i += 2) set(X, i, abs(get(X, i)));
    fillRnd(W, N * K, 1);
    fillRnd(B, N, 1);
    prepare(N, K);
    linear_int8_fwd(X, WP, SW, B, 0, Y, M, N, K, 1, 1, SCR);
    for (let i = 0; i < M; i++) {
      guard(Y1, N);
      linear_int8_fwd(X + <usize>(i * K * 4), WP, SW, B, 0, Y1, 1, N, K, 1, 1, SCR);
      expect(sameBits(Y1, Y + <usize>(i * N * 4), N)).toBe(true);
      expect(canariesOk(Y1, N)).toBe(true);
    }
    // without negative inputs (relaxed: the int8·int7 dot path), the same again
    for (let i = 0; i < M * K; i++) set(X, i, abs(get(X, i)));
    linear_int8_fwd(X, WP, SW, B, 0, Y, M, N, K, 1, 1, SCR);
    for (let i = 0; i < M; i++) {
      linear_int8_fwd(X + <usize>(i * K * 4), WP, SW, B, 0, Y1, 1, N, K, 1, 1, SCR);
      expect(sameBits(Y1, Y + <usize>(i * N * 4), N)).toBe(true);
    }
  });

  it("sigmoid and tanh epilogues equal sigmoid_fwd / tanh_fwd applied to the plain output", () => {
    seed(5);
    const N = 13, K = 37, M = 3;
    fillRnd(X, M * K, 2);
    fillRnd(W, N * K, 1);
    fillRnd(B, N, 1);
    prepare(N, K);
    linear_int8_fwd(X, WP, SW, B, 0, R, M, N, K, 0, 1, SCR);
    sigmoid_fwd(R, Y1, M * N);
    linear_int8_fwd(X, WP, SW, B, 0, Y, M, N, K, 2, 1, SCR);
    expect(sameBits(Y, Y1, M * N)).toBe(true);
    tanh_fwd(R, Y1, M * N);
    linear_int8_fwd(X, WP, SW, B, 0, Y, M, N, K, 3, 1, SCR);
    expect(sameBits(Y, Y1, M * N)).toBe(true);
    set(AL, 0, 0.25);
    linear_int8_fwd(X, WP, SW, B, AL, Y, M, N, K, 4, 1, SCR); // scalar α
    for (let i = 0; i < M * N; i++) {
      const z = get(R, i);
      expect(bits(Y, i)).toBe(reinterpret<u32>(z > 0 ? z : <f32>0.25 * z));
    }
  });

  it("a NaN or inf in a row makes that row NaN and leaves the others untouched; all-zero rows give the bias", () => {
    seed(9);
    const N = 6, K = 11, M = 3;
    fillRnd(X, M * K, 2);
    fillRnd(W, N * K, 1);
    fillRnd(B, N, 1);
    prepare(N, K);
    linear_int8_fwd(X, WP, SW, B, 0, R, M, N, K, 0, 1, SCR);
    set(X, 4, NaN);
    set(X, 2 * K + 3, Infinity);
    linear_int8_fwd(X, WP, SW, B, 0, Y, M, N, K, 0, 1, SCR);
    for (let n = 0; n < N; n++) {
      expect(isNaN(get(Y, n))).toBe(true);
      expect(isNaN(get(Y, 2 * N + n))).toBe(true);
      expect(bits(Y, N + n)).toBe(bits(R, N + n));
    }
    for (let k = 0; k < K; k++) set(X, K + k, 0);
    linear_int8_fwd(X, WP, SW, B, 0, Y, M, N, K, 0, 1, SCR);
    for (let n = 0; n < N; n++) expect(get(Y, N + n)).toBe(get(B, n));
  });

  it("relaxed: the split and fused dot forms give the scalar reference's bits (fused where the engine computes it exactly)", () => {
    const auto = int8_dot_mode(0);
    if (!ASC_FEATURE_RELAXED_SIMD) expect(auto).toBe(1);
    const modes: i32[] = auto == 2 ? [1, 2] : [1];
    seed(31);
    for (let m = 0; m < modes.length; m++) {
      expect(int8_dot_mode(modes[m])).toBe(modes[m]);
      for (let c = 0; c < NS.length; c++)
        for (let d = 0; d < KS.length; d++) {
          const M = MS[(c + d) % MS.length], N = NS[c], K = KS[d];
          fillRnd(X, M * K, 3);
          for (let i = 0; i < M * K; i++) set(X, i, abs(get(X, i)));
          fillRnd(W, N * K, 0.2);
          fillRnd(B, N, 1);
          prepare(N, K);
          reference(M, N, K, 1, true);
          guard(Y, M * N);
          linear_int8_fwd(X, WP, SW, B, 0, Y, M, N, K, 1, 1, SCR);
          expect(sameBits(Y, R, M * N)).toBe(true);
          expect(canariesOk(Y, M * N)).toBe(true);
        }
    }
    int8_dot_mode(0);
  });

  it("linear_int8_chain equals its layers called one by one, bit for bit, within int8_chain_scratch_bytes", () => {
    const sizes: i32[] = [37, 29, 13, 5];
    const PLAN = alloc(32), CS = alloc(4000), H0 = alloc(CAP), H1 = alloc(CAP);
    const WPS: usize[] = [alloc(2000), alloc(2000), alloc(2000)];
    const SWS: usize[] = [alloc(64), alloc(64), alloc(64)];
    const BS: usize[] = [alloc(64), alloc(64), alloc(64)];
    const acts: i32[] = [1, 4, 0];
    seed(41);
    fillRnd(AL, 64, 0.5);
    for (let s = 0; s < 3; s++) {
      const K = sizes[s], N = sizes[s + 1];
      fillRnd(W, N * K, 0.3);
      int8_quantize_rows(W, Q, SWS[s], N, K);
      int8_pack(Q, WPS[s], N, K);
      fillRnd(BS[s], N, 1);
      const p = PLAN + <usize>(s * 32);
      store<i32>(p, <i32>WPS[s]);
      store<i32>(p, <i32>SWS[s], 4);
      store<i32>(p, <i32>BS[s], 8);
      store<i32>(p, <i32>AL, 12);
      store<i32>(p, N, 16);
      store<i32>(p, K, 20);
      store<i32>(p, acts[s], 24);
      store<i32>(p, N, 28);
    }
    const Ms: i32[] = [1, 2, 5];
    for (let t = 0; t < Ms.length; t++) {
      const M = Ms[t];
      expect(int8_chain_scratch_bytes(PLAN, 3, M)).toBeLessThanOrEqual(4000 * 4);
      fillRnd(X, M * 37, 2);
      linear_int8_fwd(X, WPS[0], SWS[0], BS[0], AL, H0, M, 29, 37, acts[0], 29, SCR);
      linear_int8_fwd(H0, WPS[1], SWS[1], BS[1], AL, H1, M, 13, 29, acts[1], 13, SCR);
      linear_int8_fwd(H1, WPS[2], SWS[2], BS[2], AL, R, M, 5, 13, acts[2], 5, SCR);
      guard(Y, M * 5);
      linear_int8_chain(PLAN, 3, X, Y, M, CS);
      expect(sameBits(Y, R, M * 5)).toBe(true);
      expect(canariesOk(Y, M * 5)).toBe(true);
    }
  });

  it("inputs quantize by the rule too: ties to even, clamp at ±127, −0, in the int16 and int8 (relaxed) paths", () => {
    // amax 127 → inv 1: the quantized input is the value rounded half to even
    const row: f32[] = [127, 2.5, 3.5, -2.5, 0.5, -0.5, 126.5, -1.5, 1.5, -0.0, 4.4999995, -126.5, 64.5];
    const K = row.length, N = 9;
    seed(77);
    fillRnd(W, N * K, 1);
    prepare(N, K);
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < K; k++) set(X, k, pass == 0 ? row[k] : abs(row[k]));
      reference(1, N, K, 0, false);
      linear_int8_fwd(X, WP, SW, 0, 0, Y, 1, N, K, 0, 1, SCR);
      expect(sameBits(Y, R, N)).toBe(true);
    }
    // non-integer scales: v·(127/amax) may round a hair past 127 for v = amax (then clamps)
    for (let k = 0; k < K; k++) set(X, k, <f32>(k + 1) * <f32>0.1);
    set(X, 3, 1.3);
    reference(1, N, K, 0, false);
    linear_int8_fwd(X, WP, SW, 0, 0, Y, 1, N, K, 0, 1, SCR);
    expect(sameBits(Y, R, N)).toBe(true);
  });
});
