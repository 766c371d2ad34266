import { gemm_nn, gemm_nt, gemm_tn, gemm_ws_bytes, gemm_ws_set_tile, gemv_nt } from "../gemm";
import { gemm_peak, gemm_tile_time } from "../gemm_tune";
import { alloc, bits, canariesOk, get, guard, rnd, seed, set } from "./ulp";

// Layouts: NN A[M,K] B[K,N]; NT A[M,K] B[N,K]; TN A[K,M] B[K,N]; C[M,N].
const NN = 0, NT = 1, TN = 2;
const CAP = 256 * 784 + 64;
const A = alloc(CAP), B = alloc(CAP), C = alloc(CAP), C0 = alloc(CAP), T = alloc(CAP), T2 = alloc(CAP);
const WS = alloc(gemm_ws_bytes() / 4);
gemm_ws_set_tile(WS, 5); // the reference checks run the 5×8 tile; the 4×8 and 6×8 are compared to it bit for bit
const U: f64 = 5.9604644775390625e-8; // 2^-24

function fillRnd(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) set(p, i, rnd());
}
function aAt(kind: i32, a: usize, i: i32, k: i32, M: i32, K: i32): f32 {
  return kind == TN ? get(a, k * M + i) : get(a, i * K + k);
}
function bAt(kind: i32, b: usize, k: i32, j: i32, N: i32, K: i32): f32 {
  return kind == NT ? get(b, j * K + k) : get(b, k * N + j);
}
function run(kind: i32, a: usize, b: usize, c: usize, M: i32, N: i32, K: i32, acc: i32): void {
  if (kind == NN) gemm_nn(a, b, c, M, N, K, acc, WS);
  else if (kind == NT) gemm_nt(a, b, c, M, N, K, acc, WS);
  else gemm_tn(a, b, c, M, N, K, acc, WS);
}
function kindName(kind: i32): string {
  return kind == NN ? "NN" : kind == NT ? "NT" : "TN";
}

let worstRatio: f64 = 0; // max |c−ref| / (u·(|A||B|)ij), the metric of docs/testing.md §1

/**
 * Runs one case on random A, B (and random old C when accumulating) and checks
 * every `stride`-th element of C against the f64 reference under the γ bound
 * (K = 1 without accumulate: bit-exact), plus the canaries around C.
 */
function checkCase(kind: i32, M: i32, N: i32, K: i32, acc: i32, stride: i32): bool {
  fillRnd(A, M * K);
  fillRnd(B, K * N);
  for (let i = 0; i < M * N; i++) set(C, i, acc ? rnd() : <f32>1234.5);
  memory.copy(C0, C, <usize>(M * N * 4));
  guard(C, M * N);
  run(kind, A, B, C, M, N, K, acc);
  let ok = canariesOk(C, M * N);
  const n = acc ? K + 1 : K;
  const gamma = (<f64>n * U) / (1 - <f64>n * U);
  for (let e = 0; e < M * N; e += stride) {
    const i = e / N, j = e % N;
    let ref: f64 = acc ? <f64>get(C0, e) : 0;
    let mag: f64 = Math.abs(ref);
    for (let k = 0; k < K; k++) {
      const p = <f64>aAt(kind, A, i, k, M, K) * <f64>bAt(kind, B, k, j, N, K);
      ref += p;
      mag += Math.abs(p);
    }
    const c = <f64>get(C, e);
    if (K == 1 && !acc) {
      if (get(C, e) != <f32>(aAt(kind, A, i, 0, M, K) * bAt(kind, B, 0, j, N, K))) ok = false;
    } else if (!(Math.abs(c - ref) <= gamma * mag)) {
      ok = false;
    }
    if (mag > 0) worstRatio = Math.max(worstRatio, Math.abs(c - ref) / (U * mag));
  }
  if (!ok) {
    trace(kindName(kind) + " failed M,N,K,acc =", 4, <f64>M, <f64>N, <f64>K, <f64>acc);
  }
  return ok;
}

const GM: i32[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33];
const GN: i32[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 31, 32, 33];
const GK: i32[] = [0, 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 33];

describe("gemm shape grid", () => {
  it("NN, NT and TN match the f64 reference on the full M×N×K grid", () => {
    seed(11);
    let bad = 0;
    for (let kind = 0; kind < 3; kind++)
      for (let x = 0; x < GM.length; x++)
        for (let y = 0; y < GN.length; y++)
          for (let z = 0; z < GK.length; z++) if (!checkCase(kind, GM[x], GN[y], GK[z], 0, 1)) bad++;
    expect(bad).toBe(0);
    log<string>("worst |c-ref|/(u|A||B|) on the grid: " + worstRatio.toString());
  });

  it("accumulate adds into C (sub-grid)", () => {
    seed(12);
    const ms: i32[] = [1, 3, 4, 9, 17], ns: i32[] = [1, 7, 8, 12, 33], ks: i32[] = [0, 1, 5, 16, 33];
    let bad = 0;
    for (let kind = 0; kind < 3; kind++)
      for (let x = 0; x < ms.length; x++)
        for (let y = 0; y < ns.length; y++)
          for (let z = 0; z < ks.length; z++) if (!checkCase(kind, ms[x], ns[y], ks[z], 1, 1)) bad++;
    expect(bad).toBe(0);
  });

  it("K = 0 writes zeros, or leaves C when accumulating", () => {
    for (let kind = 0; kind < 3; kind++) {
      for (let i = 0; i < 35; i++) set(C, i, 3.5);
      guard(C, 35);
      run(kind, A, B, C, 5, 7, 0, 0);
      for (let i = 0; i < 35; i++) expect(bits(C, i)).toBe(0);
      for (let i = 0; i < 35; i++) set(C, i, 3.5);
      run(kind, A, B, C, 5, 7, 0, 1);
      for (let i = 0; i < 35; i++) expect(get(C, i)).toBe(3.5);
      expect(canariesOk(C, 35)).toBe(true);
    }
  });

  it("larger K (sampled shapes) and K-block boundaries", () => {
    seed(13);
    const ks: i32[] = [64, 127, 256, 257, 784, 1000, 1024];
    const ms: i32[] = [1, 2, 17, 33], ns: i32[] = [1, 9, 33, 12];
    let bad = 0;
    for (let kind = 0; kind < 3; kind++)
      for (let z = 0; z < ks.length; z++)
        for (let x = 0; x < ms.length; x++) {
          if (!checkCase(kind, ms[x], ns[(x + z) % 4], ks[z], (x + z) & 1, 1)) bad++;
        }
    // 1×N and N×1 with K = 1000
    for (let kind = 0; kind < 3; kind++) {
      if (!checkCase(kind, 1, 37, 1000, 0, 1)) bad++;
      if (!checkCase(kind, 37, 1, 1000, 0, 1)) bad++;
    }
    expect(bad).toBe(0);
  });

  it("MLP shapes: Linear(784,256) at batch 256 forward (NT) and backward (NN, TN), 256→256, 256→10, batch 1 and 64", () => {
    seed(14);
    let bad = 0;
    if (!checkCase(NT, 256, 256, 784, 0, 31)) bad++; // X·Wᵀ
    if (!checkCase(NN, 256, 784, 256, 0, 97)) bad++; // dX = dY·W
    if (!checkCase(TN, 256, 784, 256, 0, 97)) bad++; // dW = dYᵀ·X
    if (!checkCase(TN, 256, 784, 256, 1, 97)) bad++; // dW accumulated
    if (!checkCase(NT, 256, 256, 256, 0, 13)) bad++;
    if (!checkCase(NN, 256, 256, 256, 0, 13)) bad++;
    if (!checkCase(TN, 256, 256, 256, 0, 13)) bad++;
    if (!checkCase(NT, 256, 10, 256, 0, 1)) bad++;
    if (!checkCase(NN, 256, 256, 10, 0, 1)) bad++;
    if (!checkCase(TN, 10, 256, 256, 0, 1)) bad++;
    for (let b = 1; b <= 64; b += 63) {
      if (!checkCase(NT, b, 256, 784, 0, 1)) bad++;
      if (!checkCase(NT, b, 256, 256, 0, 1)) bad++;
      if (!checkCase(NT, b, 10, 256, 0, 1)) bad++;
    }
    expect(bad).toBe(0);
  });
});

/** Copies op(A) rows r0..r0+m into a contiguous operand of the same layout (in T). */
function rowsOf(kind: i32, r0: i32, m: i32, M: i32, K: i32): usize {
  if (kind != TN) return A + <usize>(r0 * K * 4);
  for (let k = 0; k < K; k++) for (let r = 0; r < m; r++) set(T, k * m + r, get(A, k * M + r0 + r));
  return T;
}
/** Copies op(B) column j into a contiguous one-column operand (in T). */
function colOf(kind: i32, j: i32, N: i32, K: i32): usize {
  if (kind == NT) return B + <usize>(j * K * 4);
  for (let k = 0; k < K; k++) set(T, k, get(B, k * N + j));
  return T;
}

function ia(i: i32, k: i32, M: i32, K: i32, kind: i32): i32 {
  return kind == TN ? k * M + i : i * K + k;
}
function ib(k: i32, j: i32, N: i32, K: i32, kind: i32): i32 {
  return kind == NT ? j * K + k : k * N + j;
}

describe("gemm structural invariants (bit-exact)", () => {
  it("row i of C has the same bits whether A has M rows, 3, 4 or 7 rows from i, or only that row", () => {
    seed(21);
    const shapes: i32[] = [17, 33, 31, 9, 12, 64, 33, 17, 7, 64, 256, 784];
    for (let kind = 0; kind < 3; kind++) {
      for (let s = 0; s < shapes.length; s += 3) {
        const M = shapes[s], N = shapes[s + 1], K = shapes[s + 2];
        fillRnd(A, M * K);
        fillRnd(B, K * N);
        run(kind, A, B, C, M, N, K, 0);
        let same = true;
        for (let i = 0; i < M; i++) {
          run(kind, rowsOf(kind, i, 1, M, K), B, T2, 1, N, K, 0);
          for (let j = 0; j < N; j++) if (bits(T2, j) != bits(C, i * N + j)) same = false;
          // 3 rows take the matrix-vector path, 4 and 7 the packed tiles with edge rows.
          for (let m = 3; m <= 7; m += m == 3 ? 1 : 3) {
            if (i + m > M) continue;
            run(kind, rowsOf(kind, i, m, M, K), B, T2, m, N, K, 0);
            for (let e = 0; e < m * N; e++) if (bits(T2, e) != bits(C, i * N + e)) same = false;
          }
        }
        expect(same).toBe(true);
      }
    }
  });

  it("column j of C has the same bits whether B has N columns or only that one", () => {
    seed(22);
    const shapes: i32[] = [17, 33, 31, 9, 12, 64, 5, 40, 300];
    for (let kind = 0; kind < 3; kind++) {
      for (let s = 0; s < shapes.length; s += 3) {
        const M = shapes[s], N = shapes[s + 1], K = shapes[s + 2];
        fillRnd(A, M * K);
        fillRnd(B, K * N);
        run(kind, A, B, C, M, N, K, 0);
        let same = true;
        for (let j = 0; j < N; j++) {
          run(kind, A, colOf(kind, j, N, K), T2, M, 1, K, 0);
          for (let i = 0; i < M; i++) if (bits(T2, i) != bits(C, i * N + j)) same = false;
        }
        expect(same).toBe(true);
      }
    }
  });

  it("gemv_nt gives the bits of the one-row gemm_nt, with and without accumulate", () => {
    seed(23);
    const ns: i32[] = [1, 3, 8, 13, 256, 10], ks: i32[] = [1, 5, 784, 33, 256, 7];
    for (let s = 0; s < ns.length; s++) {
      const N = ns[s], K = ks[s];
      fillRnd(A, K);
      fillRnd(B, N * K);
      fillRnd(C, N);
      memory.copy(T2, C, <usize>(N * 4));
      guard(C, N);
      guard(T2, N);
      gemm_nt(A, B, C, 1, N, K, 1, WS);
      gemv_nt(A, B, T2, N, K, 1);
      for (let j = 0; j < N; j++) expect(bits(T2, j)).toBe(bits(C, j));
      gemm_nt(A, B, C, 1, N, K, 0, WS);
      gemv_nt(A, B, T2, N, K, 0);
      for (let j = 0; j < N; j++) expect(bits(T2, j)).toBe(bits(C, j));
      expect(canariesOk(C, N) && canariesOk(T2, N)).toBe(true);
    }
  });

  it("propagates NaN and infinity as IEEE says", () => {
    const M = 6, N = 10, K = 9;
    for (let kind = 0; kind < 3; kind++) {
      seed(24);
      fillRnd(A, M * K);
      fillRnd(B, K * N);
      // A[2,3] = NaN: row 2 all NaN. A[4,5] = inf with B[5,:] > 0: row 4 all +inf.
      // A[0,1] = inf with B[1,0] = 0: C[0,0] NaN (inf·0).
      set(A, ia(2, 3, M, K, kind), NaN);
      set(A, ia(4, 5, M, K, kind), Infinity);
      for (let j = 0; j < N; j++) set(B, ib(5, j, N, K, kind), 0.5);
      set(A, ia(0, 1, M, K, kind), Infinity);
      set(B, ib(1, 0, N, K, kind), 0);
      run(kind, A, B, C, M, N, K, 0);
      for (let j = 0; j < N; j++) {
        expect(isNaN(get(C, 2 * N + j))).toBe(true);
        expect(get(C, 4 * N + j)).toBe(Infinity);
      }
      expect(isNaN(get(C, 0))).toBe(true);
      for (let i = 0; i < M; i++) {
        if (i == 2 || i == 4) continue;
        for (let j = i == 0 ? 1 : 0; j < N; j++) {
          const v = get(C, i * N + j);
          // row 0 has +inf·B[1,j] for j ≥ 1: ±inf by the sign of B[1,j]
          if (i == 0) expect(Math.abs(v)).toBe(Infinity);
          else expect(isFinite(v)).toBe(true);
        }
      }
    }
  });
});

/**
 * Runs one case with the 5×8 tile and with the `rows`×8 tile (4 or 6; same A, B
 * and old C) and returns whether all of C, and the canaries, have the same bits.
 * The tile is set back to 5×8.
 */
function tilesAgree(rows: i32, kind: i32, M: i32, N: i32, K: i32, acc: i32): bool {
  fillRnd(A, M * K);
  fillRnd(B, K * N);
  fillRnd(C0, M * N);
  memory.copy(C, C0, <usize>(M * N * 4));
  memory.copy(T2, C0, <usize>(M * N * 4));
  guard(C, M * N);
  guard(T2, M * N);
  expect(gemm_ws_set_tile(WS, 5)).toBe(5);
  run(kind, A, B, C, M, N, K, acc);
  expect(gemm_ws_set_tile(WS, rows)).toBe(rows);
  run(kind, A, B, T2, M, N, K, acc);
  gemm_ws_set_tile(WS, 5);
  let same = canariesOk(C, M * N) && canariesOk(T2, M * N);
  for (let e = 0; e < M * N; e++) if (bits(C, e) != bits(T2, e)) same = false;
  if (!same) trace(kindName(kind) + " 5×8 vs " + rows.toString() + "×8 differ at M,N,K,acc =", 4, <f64>M, <f64>N, <f64>K, <f64>acc);
  return same;
}

const OTHER_TILES: i32[] = [4, 6];

describe("gemm tile choice (bit-exact)", () => {
  it("gemm_ws_set_tile takes 4, 5 and 6 (4×8, 5×8, 6×8) and anything else as 5×8", () => {
    expect(gemm_ws_set_tile(WS, 6)).toBe(6);
    expect(gemm_ws_set_tile(WS, 4)).toBe(4);
    expect(gemm_ws_set_tile(WS, 3)).toBe(5);
    expect(gemm_ws_set_tile(WS, 7)).toBe(5);
    expect(gemm_ws_set_tile(WS, 0)).toBe(5);
    expect(gemm_ws_set_tile(WS, -6)).toBe(5);
    expect(gemm_ws_set_tile(WS, 5)).toBe(5);
  });

  it("the 4×8 and 6×8 tiles give the 5×8 tile's bits on the full M×N×K grid, with and without accumulate", () => {
    seed(31);
    let bad = 0;
    for (let t = 0; t < OTHER_TILES.length; t++)
      for (let kind = 0; kind < 3; kind++)
        for (let x = 0; x < GM.length; x++)
          for (let y = 0; y < GN.length; y++)
            for (let z = 0; z < GK.length; z++)
              for (let acc = 0; acc < 2; acc++) if (!tilesAgree(OTHER_TILES[t], kind, GM[x], GN[y], GK[z], acc)) bad++;
    expect(bad).toBe(0);
  });

  it("the same bits across K blocks, M blocks (MC = 64, 80, 96 rows) and the MLP shapes", () => {
    seed(32);
    let bad = 0;
    const ks: i32[] = [511, 512, 513, 784, 1100];
    const ms: i32[] = [6, 35, 97, 150], ns: i32[] = [9, 33, 17, 40];
    for (let t = 0; t < OTHER_TILES.length; t++) {
      const rows = OTHER_TILES[t];
      for (let kind = 0; kind < 3; kind++) {
        for (let z = 0; z < ks.length; z++)
          for (let x = 0; x < ms.length; x++) if (!tilesAgree(rows, kind, ms[x], ns[(x + z) % 4], ks[z], (x + z) & 1)) bad++;
        if (!tilesAgree(rows, kind, 256, 256, 784, 0)) bad++;
        if (!tilesAgree(rows, kind, 256, 784, 256, 1)) bad++;
        if (!tilesAgree(rows, kind, 64, 10, 256, 0)) bad++;
      }
    }
    expect(bad).toBe(0);
  });
});

describe("tile timing kernels (gemm_tune.ts)", () => {
  it("gemm_tile_time runs the tile it is asked for and writes only inside the ws scratch", () => {
    const n = gemm_ws_bytes() / 4;
    const W2 = alloc(n);
    guard(W2, n);
    expect(gemm_tile_time(W2, 4, 128, 2)).toBe(4);
    expect(gemm_tile_time(W2, 6, 512, 1)).toBe(6);
    expect(gemm_tile_time(W2, 9, 64, 1)).toBe(5);
    expect(gemm_tile_time(W2, 5, 0, 1)).toBe(5);
    expect(canariesOk(W2, n)).toBe(true);
  });

  it("gemm_peak does its 12 multiply-adds per step (relaxed: 12 FMA chains; simd128: 6 multiplier chains, 2 products each)", () => {
    const P = alloc(16);
    set(P, 0, 0);
    set(P, 1, 0);
    set(P, 2, 0);
    if (ASC_FEATURE_RELAXED_SIMD) {
      // c_i = 1 … 12; x = 0 leaves them.
      expect(gemm_peak(P, 1000)).toBe(<f32>78);
      expect(gemm_peak(P, 0)).toBe(<f32>78);
      // x = 2⁻¹⁰, y = 1: each of the 12 accumulators gains 2⁻¹⁰ per step.
      set(P, 0, 1.0 / 1024);
      set(P, 1, 1);
      set(P, 2, 1);
      expect(gemm_peak(P, 1)).toBe(<f32>(78 + 12.0 / 1024));
      expect(gemm_peak(P, 3)).toBe(<f32>(78 + 36.0 / 1024));
    } else {
      // m = 1 … 6, c = 6 … 1, the result Σc + m₀: k₁ = 0 zeroes every m after one step.
      expect(gemm_peak(P, 0)).toBe(<f32>22);
      expect(gemm_peak(P, 1000)).toBe(<f32>21);
      // k₁ = 1, k₂ = 2⁻¹⁰: each step adds m + m·2⁻¹⁰ to its accumulator, m unchanged.
      set(P, 0, 1);
      set(P, 1, 1.0 / 1024);
      expect(gemm_peak(P, 1)).toBe(<f32>(43 + 21.0 / 1024));
      expect(gemm_peak(P, 2)).toBe(<f32>(64 + 42.0 / 1024));
    }
  });
});
