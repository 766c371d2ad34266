// SPDX-License-Identifier: MIT
// Fused linear layers, W stored [out=N, in=K] as PyTorch: Y[M,N] = act(X·Wᵀ + b),
// one forward/backward pair for every activation code (`Act`, activations.ts).
// Bias and activation run in the GEMM epilogue on each finished block of Y while
// it is hot in cache (act_rows), so fused == gemm_nt + add_fwd + act_fwd bit for
// bit. Backward: dZ from dY and the saved output (or the saved Z, for the codes
// with savesInput) in one pass, then dX = dZ·W (NN), dW = dZᵀ·X (TN),
// db = Σ_rows dZ; no transpose copies. Never allocates; ws = gemm_ws_bytes().

import { Act, act_bwd, act_rows } from "./activations";
import { prelu_bwd } from "./prelu";
import { gemmCore, WS_PARAMS } from "./gemm";
import { storeLanes } from "./tail";

// Epilogue parameters, written into ws[WS_PARAMS..] before the GEMM runs.
const P_BIAS: usize = 0;
const P_ALPHA: usize = 4;
const P_ALPHAN: usize = 8;
const P_Z: usize = 12;
const P_ACT: usize = 16;

/** The GEMM epilogue: the Y block (rows × cols at C[i0, j0]) = act(Y + b) (act_rows). */
function epilogue(c: usize, ldc: i32, rows: i32, cols: i32, i0: i32, j0: i32, ep: usize): void {
  const z = <usize>load<u32>(ep, P_Z);
  const zb: usize = z == 0 ? <usize>0 : z + (<usize>i0) * ((<usize>ldc) << 2) + ((<usize>j0) << 2);
  act_rows(load<i32>(ep, P_ACT), c, ldc, rows, cols, j0, <usize>load<u32>(ep, P_BIAS),
    <usize>load<u32>(ep, P_ALPHA), load<i32>(ep, P_ALPHAN), zb);
}

/** Writes the epilogue parameters into ws; returns their address. */
@inline
function setParams(act: i32, b: usize, alpha: usize, z: usize, alphaN: i32, ws: usize): usize {
  const ep = ws + WS_PARAMS;
  store<u32>(ep, <u32>b, P_BIAS);
  store<u32>(ep, <u32>alpha, P_ALPHA);
  store<i32>(ep, alphaN, P_ALPHAN);
  store<u32>(ep, <u32>z, P_Z);
  store<i32>(ep, act, P_ACT);
  return ep;
}

/**
 * Y[M,N] = act(X[M,K]·W[N,K]ᵀ + b[N]) for an activation code `act` (b = 0: no
 * bias). Activations whose backward reads the input (savesInput: prelu) also
 * store Z = X·Wᵀ + b into z; prelu reads α[alphaN] (1: one α, N: one per output).
 * alpha, z and alphaN are ignored (pass 0, 0, 1) by the other codes.
 */
export function linear_fwd(x: usize, w: usize, b: usize, alpha: usize, z: usize, y: usize,
  M: i32, N: i32, K: i32, act: i32, alphaN: i32, ws: usize): void {
  const ep = setParams(act, b, alpha, z, alphaN, ws);
  gemmCore(false, true, x, w, y, M, N, K, false, ws, epilogue, ep);
}

/**
 * linear_fwd with W packed by gemv_nt_pack (inference on a weight used again):
 * the GEMM reads its B panels from the copy instead of packing W at every call
 * (few rows: row by row on the copy), then the same epilogue, so the same bits.
 */
export function linear_packed_fwd(x: usize, wp: usize, b: usize, alpha: usize, z: usize, y: usize,
  M: i32, N: i32, K: i32, act: i32, alphaN: i32, ws: usize): void {
  if (M <= 0 || N <= 0) return;
  const ep = setParams(act, b, alpha, z, alphaN, ws);
  gemmCore(false, true, x, 0, y, M, N, K, false, ws, epilogue, ep, wp);
}

/**
 * The backward of linear_fwd: dZ = act′·dY into dz (dz may alias dy; for
 * act = NONE dz is unused and dY is read directly) from the saved output y or,
 * for the savesInput codes, the saved z; prelu also writes dalpha[alphaN] =
 * Σ dY·z where !(z > 0), OVERWRITTEN. Then dX[M,K] = dZ·W (skipped when dx = 0),
 * dW[N,K] (=|+=) dZᵀ·X, db[N] (=|+=) Σ_rows dZ (skipped when db = 0); accDw = 1
 * accumulates into dw and db (never dalpha).
 */
export function linear_bwd(x: usize, w: usize, y: usize, z: usize, alpha: usize, dy: usize, dz: usize,
  dx: usize, dw: usize, db: usize, dalpha: usize, M: i32, N: i32, K: i32, act: i32, alphaN: i32,
  accDw: i32, ws: usize): void {
  let g = dz;
  if (act == Act.NONE) g = dy;
  else if (act == Act.PRELU) {
    if (M > 0 && N > 0) prelu_bwd(z, alpha, dy, dz, dalpha, M * N, alphaN, 1);
    else for (let c = 0; c < alphaN; c++) store<f32>(dalpha + ((<usize>c) << 2), 0.0);
  } else if (M > 0 && N > 0) act_bwd(z, y, dy, dz, M * N, act);
  backward(g, x, w, dx, dw, db, M, N, K, accDw, ws);
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
