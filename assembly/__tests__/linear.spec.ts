import { relu_fwd, sigmoid_fwd, tanh_fwd } from "../activations";
import { prelu_fwd } from "../prelu";
import { add_fwd } from "../elementwise";
import { gemm_nt, gemm_ws_bytes } from "../gemm";
import { linear_bwd, linear_fwd } from "../linear";
import { alloc, bits, canariesOk, get, guard, rnd, seed, set } from "./ulp";

const NONE = 0, RELU = 1, SIGMOID = 2, TANH = 3, PRELU = 4;
const CAP = 64 * 800 + 64;
const X = alloc(CAP), W = alloc(CAP), Bv = alloc(1024), AL = alloc(1024), Z = alloc(CAP), Y = alloc(CAP);
const R = alloc(CAP), R2 = alloc(CAP), DY = alloc(CAP), DZ = alloc(CAP), DX = alloc(CAP), DW = alloc(CAP);
const DB = alloc(1024), DA = alloc(1024), OLD = alloc(CAP), OLDB = alloc(1024);
const WS = alloc(gemm_ws_bytes() / 4);
const U: f64 = 5.9604644775390625e-8;

function fillRnd(p: usize, n: i32, scale: f32): void {
  for (let i = 0; i < n; i++) set(p, i, rnd() * scale);
}
function gamma(n: i32): f64 {
  return (<f64>n * U) / (1 - <f64>n * U);
}

function fwd(op: i32, b: usize, M: i32, N: i32, K: i32, alphaN: i32): void {
  if (op == PRELU) linear_fwd(X, W, b, AL, Z, Y, M, N, K, op, alphaN, WS);
  else linear_fwd(X, W, b, 0, 0, Y, M, N, K, op, 1, WS);
}
/** The unfused path into R (pre-activation in R2): gemm_nt, add_fwd(bias), <act>_fwd. */
function unfused(op: i32, b: usize, M: i32, N: i32, K: i32, alphaN: i32): void {
  gemm_nt(X, W, R2, M, N, K, 0, WS);
  if (b != 0) add_fwd(R2, b, R2, 1, 1, M, N, 0, 0, N, 1, 0, 0, 0, 1);
  if (op == NONE) memory.copy(R, R2, <usize>(M * N * 4));
  else if (op == RELU) relu_fwd(R2, R, M * N);
  else if (op == SIGMOID) sigmoid_fwd(R2, R, M * N);
  else if (op == TANH) tanh_fwd(R2, R, M * N);
  else prelu_fwd(R2, AL, R, M * N, alphaN, 1);
}

describe("linear forward", () => {
  it("fused = gemm_nt + add_fwd + <act>_fwd bit for bit (every activation, bias or none, M = 1 path)", () => {
    seed(31);
    const shapes: i32[] = [1, 1, 1, 1, 7, 5, 5, 3, 9, 33, 17, 31, 64, 10, 256, 2, 1, 784, 0, 5, 3, 4, 6, 0];
    for (let op = 0; op <= PRELU; op++) {
      for (let s = 0; s < shapes.length; s += 3) {
        const M = shapes[s], N = shapes[s + 1], K = shapes[s + 2];
        for (let hasBias = 0; hasBias < 2; hasBias++) {
          const alphaN = op == PRELU && hasBias == 1 ? N : 1;
          fillRnd(X, M * K, 3);
          fillRnd(W, N * K, 1);
          fillRnd(Bv, N, 2);
          fillRnd(AL, N, 0.5);
          const b = hasBias ? Bv : 0;
          guard(Y, M * N);
          guard(Z, M * N);
          fwd(op, b, M, N, K, alphaN);
          unfused(op, b, M, N, K, alphaN);
          let same = canariesOk(Y, M * N) && canariesOk(Z, M * N);
          for (let e = 0; e < M * N; e++) {
            if (bits(Y, e) != bits(R, e)) same = false;
            if (op == PRELU && bits(Z, e) != bits(R2, e)) same = false;
          }
          if (!same) trace("linear fwd mismatch op,M,N,K,bias", 5, <f64>op, <f64>M, <f64>N, <f64>K, <f64>hasBias);
          expect(same).toBe(true);
        }
      }
    }
  });

  it("X·Wᵀ + b is within γ_{K+1} of the f64 reference; K = 0 gives act(b)", () => {
    seed(32);
    const M = 9, N = 13, K = 37;
    fillRnd(X, M * K, 1);
    fillRnd(W, N * K, 1);
    fillRnd(Bv, N, 1);
    linear_fwd(X, W, Bv, 0, 0, Y, M, N, K, NONE, 1, WS);
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let ref: f64 = get(Bv, j), mag: f64 = Math.abs(ref);
        for (let k = 0; k < K; k++) {
          const p = <f64>get(X, i * K + k) * <f64>get(W, j * K + k);
          ref += p;
          mag += Math.abs(p);
        }
        expect(Math.abs(<f64>get(Y, i * N + j) - ref) <= gamma(K + 1) * mag).toBe(true);
      }
    }
    linear_fwd(X, W, Bv, 0, 0, Y, 3, 5, 0, SIGMOID, 1, WS);
    sigmoid_fwd(Bv, R, 5);
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) expect(bits(Y, i * 5 + j)).toBe(bits(R, j));
  });
});

/** dz reference in f64 from the saved output y (z for prelu). */
function dzRef(op: i32, y: f64, dy: f64, a: f64): f64 {
  if (op == NONE) return dy;
  if (op == RELU) return y > 0 ? dy : 0;
  if (op == SIGMOID) return dy * y * (1 - y);
  if (op == TANH) return dy * (1 - y * y);
  return y > 0 ? dy : a * dy;
}

/**
 * Runs linear_bwd for code op on the forward's saved output and checks dZ against the
 * f64 formula, then dX, dW, db (and dα) against f64 sums of the kernel's own dZ
 * under the γ bound of their reduction length.
 */
function checkBwd(op: i32, M: i32, N: i32, K: i32, alphaN: i32, accDw: i32, withDx: bool, alias: bool): bool {
  fillRnd(X, M * K, 1);
  fillRnd(W, N * K, 1);
  fillRnd(Bv, N, 0.5);
  fillRnd(AL, N, 0.5);
  fwd(op, Bv, M, N, K, alphaN);
  const saved = op == PRELU ? Z : Y;
  fillRnd(DY, M * N, 1);
  fillRnd(DW, N * K, 1);
  fillRnd(DB, N, 1);
  memory.copy(OLD, DW, <usize>(N * K * 4));
  memory.copy(OLDB, DB, <usize>(N * 4));
  memory.copy(R, DY, <usize>(M * N * 4)); // dy as given
  const dz = alias ? DY : DZ;
  const dx = withDx ? DX : 0;
  guard(DX, M * K);
  guard(DW, N * K);
  guard(DB, N);
  guard(DA, alphaN);
  if (op == PRELU) linear_bwd(X, W, 0, Z, AL, DY, dz, dx, DW, DB, DA, M, N, K, op, alphaN, accDw, WS);
  else linear_bwd(X, W, Y, 0, 0, DY, dz, dx, DW, DB, 0, M, N, K, op, 1, accDw, WS);
  const g = op == NONE ? R : dz; // the dZ the GEMMs used
  let ok = canariesOk(DX, M * K) && canariesOk(DW, N * K) && canariesOk(DB, N) && canariesOk(DA, alphaN);
  for (let e = 0; e < M * N; e++) {
    const a: f64 = op == PRELU ? <f64>get(AL, alphaN == 1 ? 0 : e % N) : 0;
    const ref = dzRef(op, get(saved, e), get(R, e), a);
    const err = Math.abs(<f64>get(g, e) - ref);
    if (!(err <= 16 * U * Math.abs(<f64>get(R, e)) + 16 * U * Math.abs(ref))) ok = false;
  }
  if (withDx) {
    for (let i = 0; i < M; i++)
      for (let k = 0; k < K; k++) {
        let ref: f64 = 0, mag: f64 = 0;
        for (let j = 0; j < N; j++) {
          const p = <f64>get(g, i * N + j) * <f64>get(W, j * K + k);
          ref += p;
          mag += Math.abs(p);
        }
        if (!(Math.abs(<f64>get(DX, i * K + k) - ref) <= gamma(N) * mag)) ok = false;
      }
  }
  for (let j = 0; j < N; j++) {
    for (let k = 0; k < K; k++) {
      let ref: f64 = accDw ? <f64>get(OLD, j * K + k) : 0, mag: f64 = Math.abs(ref);
      for (let i = 0; i < M; i++) {
        const p = <f64>get(g, i * N + j) * <f64>get(X, i * K + k);
        ref += p;
        mag += Math.abs(p);
      }
      if (!(Math.abs(<f64>get(DW, j * K + k) - ref) <= gamma(M + 1) * mag)) ok = false;
    }
    let rb: f64 = accDw ? <f64>get(OLDB, j) : 0, mb: f64 = Math.abs(rb);
    for (let i = 0; i < M; i++) {
      rb += <f64>get(g, i * N + j);
      mb += Math.abs(<f64>get(g, i * N + j));
    }
    if (!(Math.abs(<f64>get(DB, j) - rb) <= gamma(M + 1) * mb)) ok = false;
  }
  if (op == PRELU) {
    for (let c = 0; c < alphaN; c++) {
      let ref: f64 = 0, mag: f64 = 0;
      for (let e = 0; e < M * N; e++) {
        if (alphaN != 1 && e % N != c) continue;
        const zv = <f64>get(Z, e);
        if (!(zv > 0)) {
          ref += <f64>get(R, e) * zv;
          mag += Math.abs(<f64>get(R, e) * zv);
        }
      }
      if (!(Math.abs(<f64>get(DA, c) - ref) <= gamma(M * N) * mag)) ok = false;
    }
  }
  if (!ok) trace("linear bwd failed op,M,N,K,alphaN", 5, <f64>op, <f64>M, <f64>N, <f64>K, <f64>alphaN);
  return ok;
}

describe("linear backward", () => {
  it("dZ, dX, dW, db (and dα) match the f64 reference for every activation", () => {
    seed(41);
    const shapes: i32[] = [1, 1, 1, 5, 7, 3, 1, 13, 9, 17, 10, 33, 8, 8, 8, 0, 4, 3, 3, 0, 4];
    let bad = 0;
    for (let op = 0; op <= PRELU; op++) {
      for (let s = 0; s < shapes.length; s += 3) {
        const M = shapes[s], N = shapes[s + 1], K = shapes[s + 2];
        if (!checkBwd(op, M, N, K, 1, 0, true, false)) bad++;
        if (op == PRELU && !checkBwd(op, M, N, K, N, 0, true, false)) bad++;
      }
    }
    expect(bad).toBe(0);
  });

  it("accDw = 1 accumulates dW and db; dx = 0 skips dX; dz may alias dy", () => {
    seed(42);
    let bad = 0;
    for (let op = 0; op <= PRELU; op++) {
      if (!checkBwd(op, 6, 11, 9, op == PRELU ? 11 : 1, 1, true, false)) bad++;
      if (!checkBwd(op, 6, 11, 9, 1, 0, false, false)) bad++;
      if (!checkBwd(op, 7, 5, 12, 1, 1, true, true)) bad++;
    }
    // dx = 0 leaves the dx buffer untouched
    for (let i = 0; i < 54; i++) set(DX, i, 7.25);
    linear_bwd(X, W, Y, 0, 0, DY, DZ, 0, DW, DB, 0, 6, 11, 9, RELU, 1, 0, WS);
    for (let i = 0; i < 54; i++) expect(get(DX, i)).toBe(7.25);
    expect(bad).toBe(0);
  });

  it("an MLP-sized layer (batch 64, 784 → 32) on sampled checks", () => {
    seed(43);
    expect(checkBwd(RELU, 64, 32, 784, 1, 0, true, false)).toBe(true);
  });
});
