import { adam_step, sgd_step } from "../optim";
import { bits, TAILS } from "./check";
import { buf, canariesOk, fill, get, seed, set } from "./ulp";

/** PyTorch's SGD step for one element, emulated in scalar f32 in the documented order. */
function sgdRef(p: f32, g: f32, b: f32, lr: f64, mom: f64, damp: f64, wd: f64, nest: bool, first: bool, outB: usize): f32 {
  let d = g;
  if (wd != 0) d = d + <f32>wd * p;
  if (mom != 0) {
    let nb = d;
    if (!first) nb = b * <f32>mom + <f32>(1 - damp) * d;
    store<f32>(outB, nb);
    d = nest ? d + <f32>mom * nb : nb;
  }
  return p + <f32>(-lr) * d;
}

describe("sgd_step", () => {
  it("matches PyTorch's rule bit for bit on every tail length and option combination", () => {
    seed(1);
    const moms: StaticArray<f64> = [0, 0.9];
    const damps: StaticArray<f64> = [0, 0.1];
    const wds: StaticArray<f64> = [0, 0.01];
    const tmp = buf(1);
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const p = buf(n), g = buf(n), b = buf(n), p0 = buf(n), b0 = buf(n);
      let bad = 0;
      for (let c = 0; c < 32; c++) {
        const mom = moms[c & 1], damp = damps[(c >> 1) & 1], wd = wds[(c >> 2) & 1];
        const nest = ((c >> 3) & 1) == 1, first = ((c >> 4) & 1) == 1;
        fill(p0, n); fill(g, n); fill(b0, n);
        for (let i = 0; i < n; i++) { set(p, i, get(p0, i)); set(b, i, get(b0, i)); }
        sgd_step(p, g, b, n, 0.05, mom, damp, wd, nest ? 1 : 0, first ? 1 : 0);
        for (let i = 0; i < n; i++) {
          set(tmp, 0, get(b0, i));
          const rp = sgdRef(get(p0, i), get(g, i), get(b0, i), 0.05, mom, damp, wd, nest, first, tmp);
          if (reinterpret<u32>(rp) != bits(p, i)) bad++;
          if (reinterpret<u32>(get(tmp, 0)) != bits(b, i)) bad++; // momentum 0 leaves buf as it was
        }
        if (!canariesOk(p, n) || !canariesOk(b, n)) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it("three momentum steps agree with an f64 reference", () => {
    const n = 7;
    const p = buf(n), g = buf(n), b = buf(n);
    const rp = new StaticArray<f64>(n), rb = new StaticArray<f64>(n);
    seed(2);
    fill(p, n);
    for (let i = 0; i < n; i++) rp[i] = <f64>get(p, i);
    for (let step = 0; step < 3; step++) {
      fill(g, n);
      sgd_step(p, g, b, n, 0.1, 0.9, 0, 0.01, 1, step == 0 ? 1 : 0);
      for (let i = 0; i < n; i++) {
        const d = <f64>get(g, i) + 0.01 * rp[i];
        rb[i] = step == 0 ? d : 0.9 * rb[i] + d;
        rp[i] -= 0.1 * (d + 0.9 * rb[i]);
      }
    }
    for (let i = 0; i < n; i++) expect(Math.abs(<f64>get(p, i) - rp[i]) < 1e-6).toBe(true);
  });
});

/** PyTorch's Adam step for one element in scalar f32; returns p, writes m and v. */
function adamRef(p: f32, g: f32, mp: usize, vp: usize, lr: f64, b1: f64, b2: f64, eps: f64, wd: f64, bc1: f64, bc2: f64): f32 {
  let gv = g;
  if (wd != 0) gv = gv + <f32>wd * p;
  const w = <f32>(1 - b1);
  const m = load<f32>(mp), v = load<f32>(vp);
  const m2: f32 = w < 0.5 ? m + w * (gv - m) : gv - (gv - m) * (1 - w);
  const v2: f32 = v * <f32>b2 + (<f32>(1 - b2) * gv) * gv;
  store<f32>(mp, m2);
  store<f32>(vp, v2);
  const denom = Mathf.sqrt(v2) / <f32>Math.sqrt(bc2) + <f32>eps;
  return p + <f32>(-lr / bc1) * (m2 / denom);
}

describe("adam_step", () => {
  it("matches PyTorch's rule bit for bit over 3 steps on every tail length", () => {
    seed(3);
    const mt = buf(1), vt = buf(1);
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const p = buf(n), g = buf(n), m = buf(n), v = buf(n);
      const rp = buf(n), rm = buf(n), rv = buf(n);
      fill(p, n);
      for (let i = 0; i < n; i++) { set(rp, i, get(p, i)); set(m, i, 0); set(v, i, 0); set(rm, i, 0); set(rv, i, 0); }
      let bad = 0;
      let b1t: f64 = 1, b2t: f64 = 1;
      for (let step = 1; step <= 3; step++) {
        fill(g, n);
        b1t *= 0.9; b2t *= 0.999;
        const wd: f64 = t % 2 == 0 ? 0 : 0.01;
        adam_step(p, g, m, v, n, 1e-3, 0.9, 0.999, 1e-8, wd, 1 - b1t, 1 - b2t, 0);
        for (let i = 0; i < n; i++) {
          set(mt, 0, get(rm, i)); set(vt, 0, get(rv, i));
          set(rp, i, adamRef(get(rp, i), get(g, i), mt, vt, 1e-3, 0.9, 0.999, 1e-8, wd, 1 - b1t, 1 - b2t));
          set(rm, i, get(mt, 0)); set(rv, i, get(vt, 0));
          if (bits(p, i) != bits(rp, i) || bits(m, i) != bits(rm, i) || bits(v, i) != bits(rv, i)) bad++;
        }
        if (!canariesOk(p, n) || !canariesOk(m, n) || !canariesOk(v, n)) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it("decoupled (AdamW): p·f32(1 − lr·wd) first, then Adam without L2, bit for bit on every tail length", () => {
    seed(5);
    const mt = buf(1), vt = buf(1);
    const lr: f64 = 1e-2, wd: f64 = 0.1;
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const p = buf(n), g = buf(n), m = buf(n), v = buf(n);
      const rp = buf(n), rm = buf(n), rv = buf(n);
      fill(p, n);
      for (let i = 0; i < n; i++) { set(rp, i, get(p, i)); set(m, i, 0); set(v, i, 0); set(rm, i, 0); set(rv, i, 0); }
      let bad = 0;
      let b1t: f64 = 1, b2t: f64 = 1;
      for (let step = 1; step <= 3; step++) {
        fill(g, n);
        b1t *= 0.9; b2t *= 0.999;
        adam_step(p, g, m, v, n, lr, 0.9, 0.999, 1e-8, wd, 1 - b1t, 1 - b2t, 1);
        for (let i = 0; i < n; i++) {
          set(mt, 0, get(rm, i)); set(vt, 0, get(rv, i));
          const decayed: f32 = get(rp, i) * <f32>(1 - lr * wd);
          set(rp, i, adamRef(decayed, get(g, i), mt, vt, lr, 0.9, 0.999, 1e-8, 0, 1 - b1t, 1 - b2t));
          set(rm, i, get(mt, 0)); set(rv, i, get(vt, 0));
          if (bits(p, i) != bits(rp, i) || bits(m, i) != bits(rm, i) || bits(v, i) != bits(rv, i)) bad++;
        }
        if (!canariesOk(p, n)) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it("agrees with an f64 Adam over 5 steps; first step moves each weight by about lr", () => {
    seed(4);
    const n = 9;
    const p = buf(n), g = buf(n), m = buf(n), v = buf(n);
    const rp = new StaticArray<f64>(n), rm = new StaticArray<f64>(n), rv = new StaticArray<f64>(n);
    fill(p, n);
    for (let i = 0; i < n; i++) { rp[i] = <f64>get(p, i); set(m, i, 0); set(v, i, 0); }
    let b1t: f64 = 1, b2t: f64 = 1;
    for (let step = 1; step <= 5; step++) {
      fill(g, n);
      b1t *= 0.9; b2t *= 0.999;
      adam_step(p, g, m, v, n, 1e-2, 0.9, 0.999, 1e-8, 0, 1 - b1t, 1 - b2t, 0);
      for (let i = 0; i < n; i++) {
        const gi = <f64>get(g, i);
        rm[i] = 0.9 * rm[i] + 0.1 * gi;
        rv[i] = 0.999 * rv[i] + 0.001 * gi * gi;
        const before = rp[i];
        rp[i] -= 1e-2 / (1 - b1t) * rm[i] / (Math.sqrt(rv[i]) / Math.sqrt(1 - b2t) + 1e-8);
        if (step == 1) expect(Math.abs(Math.abs(rp[i] - before) - 1e-2) < 1e-6).toBe(true);
      }
    }
    for (let i = 0; i < n; i++) expect(Math.abs(<f64>get(p, i) - rp[i]) < 1e-6).toBe(true);
  });
});
