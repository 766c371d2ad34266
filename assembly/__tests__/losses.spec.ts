import { huber_bwd, huber_fwd } from "../losses";
import { grad_norm, grad_scale } from "../optim";
import { bits, TAILS } from "./check";
import { buf, canariesOk, fill, get, seed, set } from "./ulp";

describe("huber_fwd / huber_bwd", () => {
  it("match PyTorch's per-element formulas bit for bit on every tail length, both branches", () => {
    seed(11);
    const delta: f32 = 0.6;
    let bad = 0;
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t];
      const a = buf(n), b = buf(n), out = buf(n), dy = buf(n), da = buf(n), da0 = buf(n);
      fill(a, n); fill(b, n); fill(dy, n);
      huber_fwd(a, b, out, n, delta);
      huber_bwd(a, b, dy, 1, da, n, delta);
      huber_bwd(a, b, dy, 0, da0, n, delta); // one scalar gradient (dy[0]) for every element
      for (let i = 0; i < n; i++) {
        const d: f32 = get(a, i) - get(b, i);
        const z: f32 = abs(d);
        const want: f32 = z < delta ? (<f32>0.5 * z) * z : delta * (z - <f32>0.5 * delta);
        if (reinterpret<u32>(want) != bits(out, i)) bad++;
        const c: f32 = d < -delta ? -delta : d > delta ? delta : d;
        if (reinterpret<u32>(c * get(dy, i)) != bits(da, i)) bad++;
        if (reinterpret<u32>(c * get(dy, 0)) != bits(da0, i)) bad++;
      }
      if (!canariesOk(out, n) || !canariesOk(da, n) || !canariesOk(da0, n)) bad++;
    }
    expect(bad).toBe(0);
  });
});

describe("grad_norm / grad_scale", () => {
  it("reduce every (ptr, n) pair in f64 in order (2-norm², 1-norm, max) and scale each in place", () => {
    seed(12);
    const list = buf(2 * 3);
    const sizes: StaticArray<i32> = [7, 1, 33];
    const ptrs = new StaticArray<usize>(3);
    let s2: f64 = 0, s1: f64 = 0, mx: f64 = 0;
    for (let t = 0; t < 3; t++) {
      const p = buf(sizes[t]);
      fill(p, sizes[t]);
      ptrs[t] = p;
      store<u32>(list + (<usize>t << 3), <u32>p);
      store<i32>(list + (<usize>t << 3), sizes[t], 4);
      for (let i = 0; i < sizes[t]; i++) {
        const v = <f64>get(p, i);
        s2 += v * v; s1 += Math.abs(v); if (Math.abs(v) > mx) mx = Math.abs(v);
      }
    }
    expect(grad_norm(list, 3, 2)).toBe(s2);
    expect(grad_norm(list, 3, 1)).toBe(s1);
    expect(grad_norm(list, 3, 0)).toBe(mx);
    const before = <f32>get(ptrs[2], 32);
    grad_scale(list, 3, 0.5);
    expect(get(ptrs[2], 32)).toBe(before * <f32>0.5);
    let bad = 0;
    for (let t = 0; t < 3; t++) if (!canariesOk(ptrs[t], sizes[t])) bad++;
    expect(bad).toBe(0);
    set(ptrs[1], 0, NaN);
    expect(isNaN(grad_norm(list, 3, 0))).toBe(true);
    expect(isNaN(grad_norm(list, 3, 2))).toBe(true);
  });
});
