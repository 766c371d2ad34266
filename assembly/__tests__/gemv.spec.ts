import { gemm_nt, gemm_ws_bytes, gemm_ws_set_tile } from "../gemm";
import { gemv_nt_pack, gemv_nt_pack_bytes, gemv_nt_packed } from "../gemv";
import { linear_fwd, linear_packed_fwd } from "../linear";
import { alloc, bits, canariesOk, get, guard, rnd, seed, set } from "./ulp";

// The packed gemv must give, row for row, the bits gemm_nt gives with MANY rows
// (register tiles, KC blocks, edge tiles), not only the one-row path.
const CAP = 8 * 1100 + 64;
const WCAP = 264 * 800 + 64;
const X = alloc(CAP), W = alloc(WCAP), WP = alloc(WCAP), Y = alloc(CAP), R = alloc(CAP);
const Bv = alloc(1024), AL = alloc(1024), Z = alloc(CAP), ZR = alloc(CAP);
const WS = alloc(gemm_ws_bytes() / 4);
// many-row inputs and outputs (up to 100 × 1030)
const BIG = 100 * 1030;
const XB = alloc(BIG + 64), YB = alloc(BIG + 64), RB = alloc(BIG + 64);
const M = 7; // ≥ 4: gemm_nt packs and runs tiles (rows 5, 6 land in a second / edge tile)

function fillRnd(p: usize, n: i32, scale: f32): void {
  for (let i = 0; i < n; i++) set(p, i, rnd() * scale);
}
function sameBits(a: usize, b: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (bits(a, i) != bits(b, i)) return false;
  return true;
}
/** Packs W[N,K] into WP; checks the pack stays inside gemv_nt_pack_bytes. */
function pack(N: i32, K: i32): bool {
  const n = gemv_nt_pack_bytes(N, K) / 4;
  guard(WP, n);
  gemv_nt_pack(W, WP, N, K);
  return canariesOk(WP, n);
}

// MLP shapes, then N, K ∉ 4ℤ, N below / across / above the 32- and 8-wide panels, K across KC = 512.
const NS: i32[] = [256, 256, 10, 1, 3, 7, 13, 33, 45, 70, 31, 264, 9];
const KS: i32[] = [784, 256, 256, 1, 5, 9, 3, 17, 515, 1, 1030, 7, 0];

describe("gemv (packed weight)", () => {
  it("gemv_nt_pack_bytes: N rounded up to 8 columns, 0 for an empty W", () => {
    expect(gemv_nt_pack_bytes(256, 784)).toBe(256 * 784 * 4);
    expect(gemv_nt_pack_bytes(10, 3)).toBe(16 * 3 * 4);
    expect(gemv_nt_pack_bytes(0, 3)).toBe(0);
    expect(gemv_nt_pack_bytes(5, 0)).toBe(0);
  });

  it("every row is bit-identical to that row of a many-row gemm_nt, with and without accumulate", () => {
    for (let tile = 5; tile <= 6; tile++) {
      gemm_ws_set_tile(WS, tile);
      seed(<u32>(40 + tile));
      for (let s = 0; s < NS.length; s++) {
        const N = NS[s], K = KS[s];
        fillRnd(X, M * K, 1);
        fillRnd(W, N * K, 1);
        expect(pack(N, K)).toBe(true);
        for (let acc = 0; acc < 2; acc++) {
          fillRnd(R, M * N, 4);
          memory.copy(Y, R, <usize>(M * N * 4));
          guard(Y, M * N);
          gemm_nt(X, W, R, M, N, K, acc, WS);
          gemv_nt_packed(X, WP, Y, M, N, K, acc);
          expect(sameBits(Y, R, M * N)).toBe(true);
          // one row at a time into a 1-row output: same bits as row i of the M-row product
          for (let i = 0; i < M; i++) {
            fillRnd(Z, N, 4);
            memory.copy(ZR, Z, <usize>(N * 4));
            guard(Z, N);
            gemv_nt_packed(X + <usize>(i * K * 4), WP, Z, 1, N, K, acc);
            gemm_nt(X + <usize>(i * K * 4), W, ZR, 1, N, K, acc, WS);
            expect(sameBits(Z, ZR, N)).toBe(true);
            expect(canariesOk(Z, N)).toBe(true);
          }
          expect(canariesOk(Y, M * N)).toBe(true);
        }
      }
    }
    gemm_ws_set_tile(WS, 5);
  });

  it("extreme values (NaN, ±inf, ±0, ±1e30, denormals) give gemm_nt's bits", () => {
    seed(47);
    const N = 45, K = 515;
    const specials: f32[] = [NaN, Infinity, -Infinity, 0.0, -0.0, 1e30, -1e30, 1e-40, -1e-40, 3e-39];
    fillRnd(X, M * K, 1);
    fillRnd(W, N * K, 1);
    for (let i = 0; i < 60; i++) {
      set(X, <i32>((<u32>(rnd() * 1e6)) % <u32>(M * K)), specials[i % specials.length]);
      set(W, <i32>((<u32>(rnd() * 1e6)) % <u32>(N * K)), specials[(i * 7) % specials.length]);
    }
    // a whole row of W and a whole input row of zeros times inf
    for (let k = 0; k < K; k++) set(W, 3 * K + k, -0.0);
    expect(pack(N, K)).toBe(true);
    gemm_nt(X, W, R, M, N, K, 0, WS);
    gemv_nt_packed(X, WP, Y, M, N, K, 0);
    expect(sameBits(Y, R, M * N)).toBe(true);
  });

  it("linear_packed_fwd gives the bits of linear_fwd (bias, no bias, prelu scalar/per-channel α)", () => {
    seed(48);
    for (let s = 0; s < NS.length; s++) {
      const N = NS[s], K = KS[s];
      fillRnd(X, M * K, 1);
      fillRnd(W, N * K, 0.2);
      fillRnd(Bv, N, 1);
      fillRnd(AL, N, 0.5);
      expect(pack(N, K)).toBe(true);
      for (let act = 0; act <= 4; act++) {
        for (let withBias = 0; withBias < 2; withBias++) {
          const b: usize = withBias ? Bv : 0;
          const alphaN = s % 2 == 0 ? 1 : N;
          guard(Y, M * N);
          guard(Z, M * N);
          linear_fwd(X, W, b, act == 4 ? AL : 0, act == 4 ? ZR : 0, R, M, N, K, act, act == 4 ? alphaN : 1, WS);
          linear_packed_fwd(X, WP, b, act == 4 ? AL : 0, act == 4 ? Z : 0, Y, M, N, K, act, act == 4 ? alphaN : 1, WS);
          expect(sameBits(Y, R, M * N)).toBe(true);
          if (act == 4) expect(sameBits(Z, ZR, M * N)).toBe(true);
          // and the one-row call (batch-1 inference) gives row 0's bits
          linear_packed_fwd(X, WP, b, act == 4 ? AL : 0, act == 4 ? Z : 0, Y, 1, N, K, act, act == 4 ? alphaN : 1, WS);
          expect(sameBits(Y, R, N)).toBe(true);
          expect(canariesOk(Y, M * N) && canariesOk(Z, M * N)).toBe(true);
        }
      }
    }
  });

  it("linear_packed_fwd with many rows (B panels read from the copy) gives linear_fwd's bits, every tile", () => {
    // M across the tile heights, the M block (16 tiles) and the few-row path; N, K ∉ 4ℤ and across KC
    const MS: i32[] = [1, 3, 4, 5, 6, 7, 13, 100];
    const SH: i32[] = [256, 784, 45, 515, 70, 1030, 13, 17, 9, 3];
    for (let tile = 4; tile <= 6; tile++) {
      gemm_ws_set_tile(WS, tile);
      seed(<u32>(60 + tile));
      for (let s = 0; s + 1 < SH.length; s += 2) {
        const N = SH[s], K = SH[s + 1];
        fillRnd(W, N * K, 0.2);
        fillRnd(Bv, N, 1);
        expect(pack(N, K)).toBe(true);
        for (let m = 0; m < MS.length; m++) {
          const rows = MS[m];
          if (rows * K > BIG || rows * N > BIG) continue;
          fillRnd(XB, rows * K, 1);
          for (let act = 1; act <= 3; act += 2) {
            guard(YB, rows * N);
            linear_fwd(XB, W, Bv, 0, 0, RB, rows, N, K, act, 1, WS);
            linear_packed_fwd(XB, WP, Bv, 0, 0, YB, rows, N, K, act, 1, WS);
            expect(sameBits(YB, RB, rows * N)).toBe(true);
            expect(canariesOk(YB, rows * N)).toBe(true);
          }
        }
      }
    }
    gemm_ws_set_tile(WS, 5);
  });

  it("M = 0 or N = 0 writes nothing", () => {
    set(Y, 0, 5.0);
    guard(Y, 1);
    gemv_nt_packed(X, WP, Y, 0, 4, 4, 0);
    gemv_nt_packed(X, WP, Y, 3, 0, 4, 0);
    linear_packed_fwd(X, WP, 0, 0, 0, Y, 0, 4, 4, 1, 1, WS);
    expect(get(Y, 0)).toBe(5.0);
    expect(canariesOk(Y, 1)).toBe(true);
  });
});
