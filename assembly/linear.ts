// SPDX-License-Identifier: MIT
// Fused linear layers, W stored [out=N, in=K] as PyTorch: Y[M,N] = act(X·Wᵀ + b).
// Bias and activation run in the GEMM epilogue on each finished block of Y while
// it is hot in cache, with the same vector helpers as the standalone kernels
// (relu4/sigmoid4/tanh4/prelu4 from activations.ts), so fused == gemm_nt +
// add_fwd + <act>_fwd bit for bit. Backward: dZ from dY and the saved output via
// the standalone <act>_bwd kernels (one pass), then dX = dZ·W (NN), dW = dZᵀ·X
// (TN), db = Σ_rows dZ; no transpose copies. Never allocates; ws = gemm_ws_bytes().

import { prelu4, prelu_bwd, relu4, relu_bwd, sigmoid4, sigmoid_bwd, tanh4, tanh_bwd } from "./activations";
import { gemmCore, WS_PARAMS } from "./gemm";
import { gemv_nt_packed } from "./gemv";
import { storeLanes } from "./tail";

const NONE: i32 = 0;
const RELU: i32 = 1;
const SIGMOID: i32 = 2;
const TANH: i32 = 3;
const PRELU: i32 = 4;

// Epilogue parameters, written into ws[WS_PARAMS..] before the GEMM runs.
const P_BIAS: usize = 0;
const P_ALPHA: usize = 4;
const P_ALPHAN: usize = 8;
const P_Z: usize = 12;

/** Y block (rows × cols at C[i0, j0]) = act(Y + b); prelu also saves Z = Y + b. */
@inline
function epilogue(op: i32, c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {
  const bias = <usize>load<u32>(ep, P_BIAS);
  const alpha = <usize>load<u32>(ep, P_ALPHA);
  const alphaN = load<i32>(ep, P_ALPHAN);
  const z = <usize>load<u32>(ep, P_Z);
  const ld = (<usize>ldc) << 2;
  const a1 = op == PRELU ? v128.load32_splat(alpha) : f32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>r) * ld;
    const zrow = z + (<usize>(i0 + r)) * ld + ((<usize>j0) << 2);
    for (let j = 0; j < cols; j += 4) {
      // NOTE: a tail vector may load past the row (slack); only valid lanes are stored.
      const o = (<usize>j) << 2;
      const jb = (<usize>(j0 + j)) << 2;
      let v = v128.load(row + o);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + jb));
      if (op == RELU) v = relu4(v);
      else if (op == SIGMOID) v = sigmoid4(v);
      else if (op == TANH) v = tanh4(v);
      else if (op == PRELU) {
        storeLanes(zrow + o, v, cols - j);
        v = prelu4(v, alphaN == 1 ? a1 : v128.load(alpha + jb));
      }
      storeLanes(row + o, v, cols - j);
    }
  }
}

function epiNone(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {
  if (load<u32>(ep, P_BIAS) != 0) epilogue(NONE, c, ldc, rows, cols, i0, j0, ep);
}
function epiRelu(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {
  epilogue(RELU, c, ldc, rows, cols, i0, j0, ep);
}
function epiSigmoid(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {
  epilogue(SIGMOID, c, ldc, rows, cols, i0, j0, ep);
}
function epiTanh(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {
  epilogue(TANH, c, ldc, rows, cols, i0, j0, ep);
}
function epiPrelu(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {
  epilogue(PRELU, c, ldc, rows, cols, i0, j0, ep);
}

/** Writes the epilogue parameters into ws; returns their address. */
@inline
function setParams(b: usize, alpha: usize, z: usize, alphaN: i32, ws: usize): usize {
  const ep = ws + WS_PARAMS;
  store<u32>(ep, <u32>b, P_BIAS);
  store<u32>(ep, <u32>alpha, P_ALPHA);
  store<i32>(ep, alphaN, P_ALPHAN);
  store<u32>(ep, <u32>z, P_Z);
  return ep;
}

@inline
function forward(op: i32, x: usize, w: usize, b: usize, alpha: usize, z: usize, y: usize,
  M: i32, N: i32, K: i32, alphaN: i32, ws: usize): void {
  const ep = setParams(b, alpha, z, alphaN, ws);
  const epi = op == RELU ? epiRelu : op == SIGMOID ? epiSigmoid : op == TANH ? epiTanh : op == PRELU ? epiPrelu : epiNone;
  gemmCore(false, true, x, w, y, M, N, K, false, ws, epi, ep);
}

/**
 * linear_<act>_fwd (act: 0 none, 1 relu, 2 sigmoid, 3 tanh, 4 prelu; alpha, z and
 * alphaN as linear_prelu_fwd, else 0) with W packed by gemv_nt_pack: row by row
 * (for few rows: batch-1 inference), then the same epilogue, so the same bits.
 */
export function linear_gemv_fwd(x: usize, wp: usize, b: usize, alpha: usize, z: usize, y: usize,
  M: i32, N: i32, K: i32, act: i32, alphaN: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  const ep = setParams(b, alpha, z, alphaN, ws);
  gemv_nt_packed(x, wp, y, M, N, K, 0);
  const epi = act == RELU ? epiRelu : act == SIGMOID ? epiSigmoid : act == TANH ? epiTanh : act == PRELU ? epiPrelu : epiNone;
  epi(y, N, M, N, 0, 0, ep);
}

/** Y[M,N] = X[M,K]·W[N,K]ᵀ + b[N] (b = 0: no bias). */
export function linear_fwd(x: usize, w: usize, b: usize, y: usize, M: i32, N: i32, K: i32, ws: usize): void {
  forward(NONE, x, w, b, 0, 0, y, M, N, K, 1, ws);
}

/**
 * dZ = dY (the `y` and `dz` arguments are unused), then dX[M,K] = dZ·W (skipped
 * when dx = 0), dW[N,K] (=|+=) dZᵀ·X, db[N] (=|+=) Σ_rows dZ (skipped when db = 0);
 * accDw = 1 accumulates into dw and db.
 */
export function linear_bwd(x: usize, w: usize, y: usize, dy: usize, dz: usize, dx: usize, dw: usize, db: usize,
  M: i32, N: i32, K: i32, accDw: i32, ws: usize): void {
  backward(dy, x, w, dx, dw, db, M, N, K, accDw, ws);
}

/** Y = relu(X·Wᵀ + b). */
export function linear_relu_fwd(x: usize, w: usize, b: usize, y: usize, M: i32, N: i32, K: i32, ws: usize): void {
  forward(RELU, x, w, b, 0, 0, y, M, N, K, 1, ws);
}

/** dZ = relu_bwd(y, dY) (dz may alias dy), then as linear_bwd. */
export function linear_relu_bwd(x: usize, w: usize, y: usize, dy: usize, dz: usize, dx: usize, dw: usize, db: usize,
  M: i32, N: i32, K: i32, accDw: i32, ws: usize): void {
  if (M > 0 && N > 0) relu_bwd(y, dy, dz, M * N);
  backward(dz, x, w, dx, dw, db, M, N, K, accDw, ws);
}

/** Y = sigmoid(X·Wᵀ + b). */
export function linear_sigmoid_fwd(x: usize, w: usize, b: usize, y: usize, M: i32, N: i32, K: i32, ws: usize): void {
  forward(SIGMOID, x, w, b, 0, 0, y, M, N, K, 1, ws);
}

/** dZ = sigmoid_bwd(y, dY) = dY·(y·(1 − y)), then as linear_bwd. */
export function linear_sigmoid_bwd(x: usize, w: usize, y: usize, dy: usize, dz: usize, dx: usize, dw: usize,
  db: usize, M: i32, N: i32, K: i32, accDw: i32, ws: usize): void {
  if (M > 0 && N > 0) sigmoid_bwd(y, dy, dz, M * N);
  backward(dz, x, w, dx, dw, db, M, N, K, accDw, ws);
}

/** Y = tanh(X·Wᵀ + b). */
export function linear_tanh_fwd(x: usize, w: usize, b: usize, y: usize, M: i32, N: i32, K: i32, ws: usize): void {
  forward(TANH, x, w, b, 0, 0, y, M, N, K, 1, ws);
}

/** dZ = tanh_bwd(y, dY) = dY·(1 − y·y), then as linear_bwd. */
export function linear_tanh_bwd(x: usize, w: usize, y: usize, dy: usize, dz: usize, dx: usize, dw: usize, db: usize,
  M: i32, N: i32, K: i32, accDw: i32, ws: usize): void {
  if (M > 0 && N > 0) tanh_bwd(y, dy, dz, M * N);
  backward(dz, x, w, dx, dw, db, M, N, K, accDw, ws);
}

/**
 * Z = X·Wᵀ + b (saved for the backward), Y = prelu(Z, α): alphaN = 1 for a
 * scalar α, N for one α per output channel.
 */
export function linear_prelu_fwd(x: usize, w: usize, b: usize, alpha: usize, z: usize, y: usize,
  M: i32, N: i32, K: i32, alphaN: i32, ws: usize): void {
  forward(PRELU, x, w, b, alpha, z, y, M, N, K, alphaN, ws);
}

/**
 * dZ = prelu_bwd(z, α, dY) and dalpha[alphaN] = Σ dY·z where !(z > 0), OVERWRITTEN
 * (as prelu_bwd; accDw applies to dw and db only), then as linear_bwd.
 */
export function linear_prelu_bwd(x: usize, w: usize, z: usize, alpha: usize, dy: usize, dz: usize, dx: usize,
  dw: usize, db: usize, dalpha: usize, M: i32, N: i32, K: i32, alphaN: i32, accDw: i32, ws: usize): void {
  if (M > 0 && N > 0) prelu_bwd(z, alpha, dy, dz, dalpha, M * N, alphaN, 1);
  else for (let c = 0; c < alphaN; c++) store<f32>(dalpha + ((<usize>c) << 2), 0.0);
  backward(dz, x, w, dx, dw, db, M, N, K, accDw, ws);
}

/** db, dX and dW from dZ. dZ must not alias x, w, dx or dw. */
function backward(dz: usize, x: usize, w: usize, dx: usize, dw: usize, db: usize,
  M: i32, N: i32, K: i32, accDw: i32, ws: usize): void {
  if (db != 0) colSums(dz, db, M, N, accDw != 0);
  if (dx != 0) gemmCore(false, false, dz, w, dx, M, K, N, false, ws, noEpi, 0);
  // N = 0 gives dX = 0. dW[N,K] = dZ[M,N]ᵀ·X[M,K]: TN with reduction length M (M = 0 gives zeros).
  gemmCore(true, false, dz, x, dw, N, K, M, accDw != 0, ws, noEpi, 0);
}

function noEpi(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {}

/** db[N] (=|+=) Σ_i dz[i, :], rows summed in order i = 0, 1, … */
function colSums(dz: usize, db: usize, M: i32, N: i32, accumulate: bool): void {
  const ld = (<usize>N) << 2;
  for (let j = 0; j < N; j += 4) {
    const o = (<usize>j) << 2;
    let acc = accumulate ? v128.load(db + o) : f32x4.splat(0);
    let p = dz + o;
    for (let i = 0; i < M; i++) {
      acc = f32x4.add(acc, v128.load(p));
      p += ld;
    }
    storeLanes(db + o, acc, N - j);
  }
}
