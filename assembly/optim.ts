// SPDX-License-Identifier: MIT
// Fused in-place optimizer updates over n contiguous f32 parameters, following
// PyTorch's single-tensor SGD and Adam (torch/optim/sgd.py, adam.py) operation
// by operation. Hyper-parameters arrive as f64 (JS numbers); each is rounded to
// f32 where PyTorch turns a Python float into an f32 scalar, and the scalar
// arithmetic PyTorch does in Python (1 − β, lr / bc1, √bc2) is done in f64
// first. Never allocates; p, g and the state buffers must not alias each other.
// Tails load a full vector and store only the valid lanes.

import { storeLanes } from "./tail";

/**
 * PyTorch SGD, per element, in this order (u = f32 rounding of each step):
 *   g' = g + wd·p                         (only when weightDecay != 0)
 *   momentum == 0:  p = p + (−lr)·g'      (buf untouched)
 *   first != 0:     buf = g'              (torch clones d_p on the first step)
 *   otherwise:      buf = momentum·buf + (1 − dampening)·g'
 *   nesterov != 0:  d = g' + momentum·buf, else d = buf
 *   p = p + (−lr)·d
 */
export function sgd_step(
  p: usize, g: usize, buf: usize, n: i32,
  lr: f64, momentum: f64, dampening: f64, weightDecay: f64, nesterov: i32, first: i32,
): void {
  const vlr = f32x4.splat(<f32>-lr);
  const vwd = f32x4.splat(<f32>weightDecay);
  const vmom = f32x4.splat(<f32>momentum);
  const vdamp = f32x4.splat(<f32>(1.0 - dampening));
  const useWd = weightDecay != 0, useMom = momentum != 0;
  for (let i = 0; i < n; i += 4) {
    const k = (<usize>i) << 2;
    const r = n - i;
    const pv = v128.load(p + k);
    let d = v128.load(g + k);
    if (useWd) d = f32x4.add(d, f32x4.mul(vwd, pv));
    if (useMom) {
      let b = d;
      if (!first) b = f32x4.add(f32x4.mul(v128.load(buf + k), vmom), f32x4.mul(vdamp, d));
      storeLanes(buf + k, b, r);
      d = nesterov ? f32x4.add(d, f32x4.mul(vmom, b)) : b;
    }
    storeLanes(p + k, f32x4.add(pv, f32x4.mul(vlr, d)), r);
  }
}

/**
 * PyTorch Adam (amsgrad = false, maximize = false), per element:
 *   decoupled != 0 (AdamW): p = p·f32(1 − lr·wd), g' = g   (only when weightDecay != 0)
 *   else:                   g' = g + wd·p                  (only when weightDecay != 0)
 *   m  = m + w·(g' − m), w = f32(1 − β1)            (torch lerp_, weight < 0.5;
 *        for w >= 0.5 lerp's other form g' − (g' − m)·(1 − w))
 *   v  = β2·v + (f32(1 − β2)·g')·g'                 (mul_ then addcmul_: a + α·b·c)
 *   denom = √v / f32(√bc2) + eps                    (bc2 = 1 − β2^t, √ in f64)
 *   p  = p + f32(−lr / bc1)·(m / denom)             (addcdiv_: a + α·(b/c), bc1 = 1 − β1^t)
 * bc1 and bc2 are the bias corrections 1 − β^t, computed by the caller in f64
 * (by repeated multiplication, not Math.pow, so they match on every runtime).
 */
export function adam_step(
  p: usize, g: usize, m: usize, v: usize, n: i32,
  lr: f64, beta1: f64, beta2: f64, eps: f64, weightDecay: f64, bc1: f64, bc2: f64, decoupled: i32,
): void {
  const w32 = <f32>(1.0 - beta1);
  const vw = f32x4.splat(w32), vw1 = f32x4.splat(<f32>1.0 - w32);
  const lowW = w32 < 0.5;
  const vb2 = f32x4.splat(<f32>beta2), v1b2 = f32x4.splat(<f32>(1.0 - beta2));
  const vbc2 = f32x4.splat(<f32>Math.sqrt(bc2));
  const veps = f32x4.splat(<f32>eps);
  const vstep = f32x4.splat(<f32>(-lr / bc1));
  const vwd = f32x4.splat(<f32>weightDecay);
  const vdecay = f32x4.splat(<f32>(1.0 - lr * weightDecay));
  const l2 = weightDecay != 0 && !decoupled, decay = weightDecay != 0 && decoupled != 0;
  for (let i = 0; i < n; i += 4) {
    const k = (<usize>i) << 2;
    const r = n - i;
    let pv = v128.load(p + k);
    let gv = v128.load(g + k);
    if (l2) gv = f32x4.add(gv, f32x4.mul(vwd, pv));
    if (decay) pv = f32x4.mul(pv, vdecay);
    const mv = v128.load(m + k);
    const diff = f32x4.sub(gv, mv);
    const m2 = lowW ? f32x4.add(mv, f32x4.mul(vw, diff)) : f32x4.sub(gv, f32x4.mul(diff, vw1));
    const v2 = f32x4.add(f32x4.mul(v128.load(v + k), vb2), f32x4.mul(f32x4.mul(v1b2, gv), gv));
    const denom = f32x4.add(f32x4.div(f32x4.sqrt(v2), vbc2), veps);
    storeLanes(m + k, m2, r);
    storeLanes(v + k, v2, r);
    storeLanes(p + k, f32x4.add(pv, f32x4.mul(vstep, f32x4.div(m2, denom))), r);
  }
}

/**
 * The norm reduction of clip_grad_norm over every gradient at once: `list` holds
 * `count` (ptr: u32, n: i32) pairs. normType 2: Σ g² ; 1: Σ |g| ; 0 (∞): max |g|,
 * accumulated in f64 in a fixed order (tensor by tensor, element by element), so
 * the result never depends on the runtime or on how the gradients are laid out
 * in memory. Returns the sum (the caller takes the square root) or the maximum.
 * NaN in any gradient gives NaN.
 */
export function grad_norm(list: usize, count: i32, normType: i32): f64 {
  let acc: f64 = 0;
  for (let t = 0; t < count; t++) {
    const ptr = <usize>load<u32>(list + (<usize>t << 3));
    const n = load<i32>(list + (<usize>t << 3), 4);
    for (let i = 0; i < n; i++) {
      const v = <f64>load<f32>(ptr + (<usize>i << 2));
      if (normType == 2) acc += v * v;
      else if (normType == 1) acc += Math.abs(v);
      else {
        const a = Math.abs(v);
        if (a != a) return a;
        if (a > acc) acc = a;
      }
    }
  }
  return acc;
}

/** g *= coef over every (ptr, n) pair of `list` (the scaling pass of clip_grad_norm). */
export function grad_scale(list: usize, count: i32, coef: f32): void {
  const vc = f32x4.splat(coef);
  for (let t = 0; t < count; t++) {
    const ptr = <usize>load<u32>(list + (<usize>t << 3));
    const n = load<i32>(list + (<usize>t << 3), 4);
    for (let i = 0; i < n; i += 4) {
      const k = ptr + ((<usize>i) << 2);
      storeLanes(k, f32x4.mul(v128.load(k), vc), n - i);
    }
  }
}
