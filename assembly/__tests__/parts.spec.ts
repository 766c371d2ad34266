import { gemm_nn, gemm_nt, gemm_tn, gemm_ws_bytes, gemm_ws_set_call, gemm_ws_set_tile } from "../gemm";
import { gemm_part } from "../parts";
import { alloc, bits, rnd, set } from "./ulp";

// A threaded GEMM's row shares with packed-B reuse (gemm_ws_set_call): shares
// run one after another on one ws, as a thread that claims several shares of a
// call runs them, must give the bits of the whole call; a new call number, or
// a share whose key differs, must pack B afresh.
const NN = 0, NT = 1, TN = 2;
const CAP = 320 * 1024;
const A = alloc(CAP), B = alloc(CAP), C = alloc(CAP), R = alloc(CAP);
const WS = alloc(gemm_ws_bytes() / 4);
const WS_REF = alloc(gemm_ws_bytes() / 4); // the whole calls' scratch: never touches WS's packed B

function fill(p: usize, n: i32): void {
  for (let i = 0; i < n; i++) set(p, i, rnd());
}
function whole(kind: i32, M: i32, N: i32, K: i32, acc: i32): void {
  if (kind == NN) gemm_nn(A, B, R, M, N, K, acc, WS_REF);
  else if (kind == NT) gemm_nt(A, B, R, M, N, K, acc, WS_REF);
  else gemm_tn(A, B, R, M, N, K, acc, WS_REF);
}
/** C by `shares` row shares under call number `call` on one ws; true if C equals R bit for bit. */
function sharesMatch(kind: i32, M: i32, N: i32, K: i32, acc: i32, shares: i32, call: i32): bool {
  gemm_ws_set_call(WS, call);
  for (let s = 0; s < shares; s++) {
    const i0 = (M * s) / shares, i1 = (M * (s + 1)) / shares;
    gemm_part(kind, A, B, C, M, N, K, acc, WS, i0, i1, 0, N);
  }
  gemm_ws_set_call(WS, 0);
  for (let i = 0; i < M * N; i++) if (bits(C, i) != bits(R, i)) return false;
  return true;
}

describe("gemm_part row shares reusing packed B", () => {
  it("give the whole call's bits (NN, NT, TN; K over one and several K blocks; N past one N block; B too big to keep; every tile)", () => {
    const shapes: StaticArray<i32> = [64, 256, 784, 37, 200, 1030, 256, 784, 256, 30, 13, 5, 16, 600, 512];
    for (let t = 4; t <= 6; t++) {
      gemm_ws_set_tile(WS, t);
      gemm_ws_set_tile(WS_REF, 5);
      for (let kind = 0; kind < 3; kind++) {
        for (let s = 0; s < shapes.length; s += 3) {
          const M = shapes[s], N = shapes[s + 1], K = shapes[s + 2];
          fill(A, M * K);
          fill(B, K * N);
          for (let acc = 0; acc < 2; acc++) {
            fill(R, M * N);
            memory.copy(C, R, <usize>(M * N * 4));
            whole(kind, M, N, K, acc);
            expect(sharesMatch(kind, M, N, K, acc, 5, 100 + kind)).toBe(true);
          }
        }
      }
    }
  });

  it("packs B afresh under a new call number (B changed between calls)", () => {
    gemm_ws_set_tile(WS, 6);
    gemm_ws_set_tile(WS_REF, 6);
    const M = 48, N = 64, K = 96;
    fill(A, M * K);
    fill(B, K * N);
    whole(NN, M, N, K, 0);
    expect(sharesMatch(NN, M, N, K, 0, 4, 7)).toBe(true);
    fill(B, K * N); // the same pointer, new contents
    whole(NN, M, N, K, 0);
    expect(sharesMatch(NN, M, N, K, 0, 4, 8)).toBe(true);
  });

  it("packs B afresh when the same call number meets another B, N, K or layout", () => {
    gemm_ws_set_tile(WS, 6);
    gemm_ws_set_tile(WS_REF, 6);
    const M = 48, N = 64, K = 96;
    fill(A, M * K);
    fill(B, 2 * K * N);
    // the same call number throughout, as the shares of one linear_bwd_part call (dX packs W, dW packs X)
    whole(NN, M, N, K, 0);
    expect(sharesMatch(NN, M, N, K, 0, 3, 9)).toBe(true);
    whole(TN, M, N, K, 0);
    expect(sharesMatch(TN, M, N, K, 0, 3, 9)).toBe(true);
    whole(NN, M, N / 2, K, 0);
    expect(sharesMatch(NN, M, N / 2, K, 0, 3, 9)).toBe(true);
    whole(NT, M, N, K / 2, 0);
    expect(sharesMatch(NT, M, N, K / 2, 0, 3, 9)).toBe(true);
  });
});
