import {
  log_softmax_bwd, log_softmax_fwd, softmax_bwd, softmax_fwd, softmax_xent_bwd, softmax_xent_fwd,
} from "../softmax";
import { bits, fillUniform, isPosZero, TAILS } from "./check";
import { buf, canariesOk, fill, get, seed, set, ulp } from "./ulp";

const U: f64 = 5.960464477539063e-8;
const ROWS = 3;

function rowMax64(x: usize, r: i32, n: i32): f64 {
  let m = -Infinity;
  for (let j = 0; j < n; j++) m = Math.max(m, <f64>get(x, r * n + j));
  return m;
}
function lse64(x: usize, r: i32, n: i32): f64 {
  const m = rowMax64(x, r, n);
  let s: f64 = 0;
  for (let j = 0; j < n; j++) s += Math.exp(<f64>get(x, r * n + j) - m);
  return m + Math.log(s);
}
function ints(p: usize, vals: StaticArray<i32>): void {
  for (let i = 0; i < vals.length; i++) store<i32>(p + <usize>(i * 4), vals[i]);
}
function one4(a: f32, b: f32, c: f32, d: f32): usize {
  const p = buf(4);
  set(p, 0, a); set(p, 1, b); set(p, 2, c); set(p, 3, d);
  return p;
}

describe("softmax", () => {
  it("matches f64 within (n+16)u relative on every tail length (n = 0 too); rows independent; in place", () => {
    seed(1);
    for (let t = 0; t < TAILS.length; t++) {
      const n = TAILS[t], N = ROWS * n;
      const x = buf(N), y = buf(N), y1 = buf(n);
      fillUniform(x, N, -10, 10);
      softmax_fwd(x, y, ROWS, n);
      expect(canariesOk(y, N)).toBe(true);
      let bad = 0;
      const tol = <f64>(n + 16) * U;
      for (let r = 0; r < ROWS; r++) {
        const l = lse64(x, r, n);
        let sum: f64 = 0;
        for (let j = 0; j < n; j++) {
          const ref = Math.exp(<f64>get(x, r * n + j) - l), got = <f64>get(y, r * n + j);
          sum += got;
          if (Math.abs(got - ref) > tol * ref) bad++;
        }
        if (n > 0 && Math.abs(sum - 1) > tol) bad++;
      }
      softmax_fwd(x + <usize>(n * 4), y1, 1, n); // row 1 alone
      for (let j = 0; j < n; j++) if (bits(y1, j) != bits(y, n + j)) bad++;
      softmax_fwd(x, x, ROWS, n);
      for (let j = 0; j < N; j++) if (bits(x, j) != bits(y, j)) bad++;
      expect(bad).toBe(0);
    }
  });

  it("exact cases of docs/testing.md §3", () => {
    const y = buf(4), y2 = buf(4);
    softmax_fwd(one4(10000, 10001, 10002, 10003), y, 1, 4);
    softmax_fwd(one4(0, 1, 2, 3), y2, 1, 4);
    for (let j = 0; j < 4; j++) expect(bits(y, j)).toBe(bits(y2, j));
    expect(Math.abs(<f64>get(y, 0) - 0.0320586) < 1e-7).toBe(true);
    expect(Math.abs(<f64>get(y, 3) - 0.6439143) < 1e-7).toBe(true);
    softmax_fwd(one4(100, 100, -100, -100), y, 2, 2);
    for (let j = 0; j < 4; j++) expect(get(y, j)).toBe(0.5);
    softmax_fwd(one4(-1000, 1000, 0, 0), y, 1, 2);
    expect(isPosZero(get(y, 0))).toBe(true);
    expect(get(y, 1)).toBe(1.0);
    const x5 = buf(5), y5 = buf(5);
    for (let j = 0; j < 5; j++) set(x5, j, -400);
    set(x5, 2, 0);
    softmax_fwd(x5, y5, 1, 5);
    for (let j = 0; j < 5; j++) expect(get(y5, j)).toBe(j == 2 ? 1.0 : 0.0);
    softmax_fwd(one4(1, NaN, 2, 3), y, 1, 4);
    for (let j = 0; j < 4; j++) expect(isNaN(get(y, j))).toBe(true);
    softmax_fwd(one4(-Infinity, 0, -Infinity, 0), y, 1, 4);
    expect(isPosZero(get(y, 0)) && isPosZero(get(y, 2))).toBe(true);
    expect(get(y, 1)).toBe(0.5);
    softmax_fwd(one4(-Infinity, -Infinity, -Infinity, -Infinity), y, 1, 4);
    for (let j = 0; j < 4; j++) expect(isNaN(get(y, j))).toBe(true); // documented: all -inf is NaN
  });

  it("softmax_bwd = y*(dy - <dy,y>) against f64", () => {
    seed(2);
    for (let t = 1; t < TAILS.length; t++) {
      const n = TAILS[t], N = ROWS * n;
      const x = buf(N), y = buf(N), dy = buf(N), dx = buf(N);
      fillUniform(x, N, -5, 5); fill(dy, N);
      softmax_fwd(x, y, ROWS, n);
      softmax_bwd(y, dy, dx, ROWS, n);
      expect(canariesOk(dx, N)).toBe(true);
      let bad = 0;
      for (let r = 0; r < ROWS; r++) {
        let dot: f64 = 0, adot: f64 = 0;
        for (let j = 0; j < n; j++) {
          dot += <f64>get(dy, r * n + j) * <f64>get(y, r * n + j);
          adot += Math.abs(<f64>get(dy, r * n + j) * <f64>get(y, r * n + j));
        }
        for (let j = 0; j < n; j++) {
          const yv = <f64>get(y, r * n + j), g = <f64>get(dy, r * n + j);
          const ref = yv * (g - dot);
          if (Math.abs(<f64>get(dx, r * n + j) - ref) > <f64>(n + 8) * U * yv * (Math.abs(g) + adot)) bad++;
        }
      }
      softmax_bwd(y, dy, dy, ROWS, n);
      for (let j = 0; j < N; j++) if (bits(dy, j) != bits(dx, j)) bad++;
      expect(bad).toBe(0);
    }
  });
});

describe("log_softmax", () => {
  it("matches f64 on every tail length; in place; bwd = dy - softmax*sum(dy)", () => {
    seed(3);
    for (let t = 1; t < TAILS.length; t++) {
      const n = TAILS[t], N = ROWS * n;
      const x = buf(N), y = buf(N), dy = buf(N), dx = buf(N);
      fillUniform(x, N, -20, 20); fill(dy, N);
      log_softmax_fwd(x, y, ROWS, n);
      log_softmax_bwd(y, dy, dx, ROWS, n);
      expect(canariesOk(y, N) && canariesOk(dx, N)).toBe(true);
      let bad = 0;
      for (let r = 0; r < ROWS; r++) {
        const l = lse64(x, r, n);
        let sdy: f64 = 0, asdy: f64 = 0;
        for (let j = 0; j < n; j++) { sdy += <f64>get(dy, r * n + j); asdy += Math.abs(<f64>get(dy, r * n + j)); }
        for (let j = 0; j < n; j++) {
          const ref = <f64>get(x, r * n + j) - l;
          if (Math.abs(<f64>get(y, r * n + j) - ref) > 2 * U * Math.abs(ref) + <f64>(n + 16) * U) bad++;
          const p = Math.exp(ref), g = <f64>get(dy, r * n + j);
          const gref = g - p * sdy;
          if (Math.abs(<f64>get(dx, r * n + j) - gref) > <f64>(n + 16) * U * (Math.abs(g) + p * asdy) + 20 * U * p * Math.abs(sdy) * Math.abs(ref)) bad++;
        }
      }
      log_softmax_fwd(x, x, ROWS, n);
      for (let j = 0; j < N; j++) if (bits(x, j) != bits(y, j)) bad++;
      expect(bad).toBe(0);
    }
  });

  it("[0, -1e4] gives [0, -1e4]; a -inf entry gives -inf with a finite gradient", () => {
    const y = buf(4), dy = buf(4), dx = buf(4);
    log_softmax_fwd(one4(0, -1e4, 0, 0), y, 1, 2);
    expect(get(y, 0)).toBe(0);
    expect(get(y, 1)).toBe(-1e4);
    log_softmax_fwd(one4(1, -Infinity, 2, 0), y, 1, 4);
    expect(get(y, 1)).toBe(-Infinity);
    for (let j = 0; j < 4; j++) set(dy, j, 1.0);
    log_softmax_bwd(y, dy, dx, 1, 4);
    for (let j = 0; j < 4; j++) expect(isFinite(get(dx, j))).toBe(true);
    expect(get(dx, 1)).toBe(1.0); // dy - 0 * sum
  });
});

describe("softmax_xent", () => {
  it("loss = logsumexp - x[label] against f64, and equals -log_softmax at the label", () => {
    seed(4);
    for (let t = 1; t < TAILS.length; t++) {
      const n = TAILS[t], N = ROWS * n;
      const x = buf(N), lab = buf(ROWS), loss = buf(ROWS), ls = buf(N);
      fillUniform(x, N, -10, 10);
      ints(lab, [0, n - 1, n / 2]);
      softmax_xent_fwd(x, lab, loss, ROWS, n);
      log_softmax_fwd(x, ls, ROWS, n);
      expect(canariesOk(loss, ROWS)).toBe(true);
      let bad = 0;
      for (let r = 0; r < ROWS; r++) {
        const l = load<i32>(lab + <usize>(r * 4));
        const ref = lse64(x, r, n) - <f64>get(x, r * n + l);
        const tol = 2 * U * Math.abs(ref) + <f64>(n + 16) * U;
        if (Math.abs(<f64>get(loss, r) - ref) > tol) bad++;
        if (Math.abs(<f64>get(loss, r) + <f64>get(ls, r * n + l)) > 2 * tol) bad++;
      }
      expect(bad).toBe(0);
    }
  });

  it("stable and exact at the edges", () => {
    const lab = buf(4), loss = buf(4), dx = buf(4), g = buf(1);
    set(g, 0, 1.0);
    ints(lab, [0, 1, 0, 0]);
    softmax_xent_fwd(one4(0, 1000, 0, -1e4), lab, loss, 2, 2);
    expect(get(loss, 0)).toBe(1000);
    expect(get(loss, 1)).toBe(1e4);
    softmax_xent_bwd(one4(0, 1000, 0, -1e4), lab, g, dx, 2, 2, 0);
    expect(get(dx, 0)).toBe(-1);
    expect(get(dx, 1)).toBe(1);
    ints(lab, [1, 0, 0, 0]);
    softmax_xent_fwd(one4(0, -Infinity, 1, 2), lab, loss, 1, 4);
    expect(get(loss, 0)).toBe(Infinity);
    softmax_xent_bwd(one4(0, -Infinity, 1, 2), lab, g, dx, 1, 4, 0);
    for (let j = 0; j < 4; j++) expect(isFinite(get(dx, j))).toBe(true);
    expect(get(dx, 1)).toBe(-1);
    const x10 = buf(10);
    for (let j = 0; j < 10; j++) set(x10, j, 3.5);
    ints(lab, [7, 0, 0, 0]);
    softmax_xent_fwd(x10, lab, loss, 1, 10);
    expect(ulp(get(loss, 0), <f32>Math.log(10))).toBeLessThanOrEqual(1);
    ints(lab, [4, -1, 0, 0]);
    softmax_xent_fwd(one4(0, 1, 2, 3), lab, loss, 2, 2);
    expect(isNaN(get(loss, 0)) && isNaN(get(loss, 1))).toBe(true);
  });

  it("bwd = (softmax - onehot)*g with per-row (stride 1) and scalar (stride 0) upstream", () => {
    seed(5);
    for (let t = 1; t < TAILS.length; t++) {
      const n = TAILS[t], N = ROWS * n;
      const x = buf(N), lab = buf(ROWS), g = buf(ROWS), dx = buf(N), sm = buf(N);
      fillUniform(x, N, -10, 10); fill(g, ROWS);
      ints(lab, [n - 1, 0, n / 3]);
      softmax_fwd(x, sm, ROWS, n);
      let bad = 0;
      for (let mode = 0; mode < 2; mode++) {
        softmax_xent_bwd(x, lab, g, dx, ROWS, n, mode);
        expect(canariesOk(dx, N)).toBe(true);
        for (let r = 0; r < ROWS; r++) {
          const l = load<i32>(lab + <usize>(r * 4)), gr = <f64>get(g, mode * r);
          const lse = lse64(x, r, n);
          for (let j = 0; j < n; j++) {
            const p = Math.exp(<f64>get(x, r * n + j) - lse);
            const ref = (p - (j == l ? 1.0 : 0.0)) * gr;
            if (Math.abs(<f64>get(dx, r * n + j) - ref) > <f64>(n + 16) * U * Math.abs(gr) * (p + 1e-30) + 2 * U * Math.abs(ref)) bad++;
          }
        }
      }
      expect(bad).toBe(0);
    }
  });
});
