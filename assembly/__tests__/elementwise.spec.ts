import { add_fwd } from "../elementwise";
import { buf, canariesOk, fill, get, seed, set } from "./ulp";

describe("add_fwd", () => {
  it("matches the scalar reference bit for bit on every tail length", () => {
    seed(1);
    for (let n = 0; n <= 33; n++) {
      const a = buf(n), b = buf(n), o = buf(n);
      fill(a, n);
      fill(b, n);
      add_fwd(a, b, o, 1, 1, 1, n, 0, 0, 0, 1, 0, 0, 0, 1);
      for (let i = 0; i < n; i++) expect(get(o, i)).toBe(get(a, i) + get(b, i));
      expect(canariesOk(o, n)).toBe(true);
    }
  });

  it("broadcasts a row vector over rows and a column over columns", () => {
    const M = 5, N = 7;
    const a = buf(M * N), r = buf(N), c = buf(M), o = buf(M * N);
    fill(a, M * N);
    fill(r, N);
    fill(c, M);
    // a[M,N] + r[N]: d1 = M rows of n = N; a strides (N, 1), r strides (0, 1)
    add_fwd(a, r, o, 1, 1, M, N, 0, 0, N, 1, 0, 0, 0, 1);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) expect(get(o, i * N + j)).toBe(get(a, i * N + j) + get(r, j));
    // a[M,N] + c[M,1]: c strides (1, 0)
    add_fwd(a, c, o, 1, 1, M, N, 0, 0, N, 1, 0, 0, 1, 0);
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) expect(get(o, i * N + j)).toBe(get(a, i * N + j) + get(c, i));
    expect(canariesOk(o, M * N)).toBe(true);
  });

  it("propagates NaN and infinities as IEEE says", () => {
    const a = buf(3), b = buf(3), o = buf(3);
    set(a, 0, NaN); set(b, 0, 1);
    set(a, 1, Infinity); set(b, 1, -Infinity);
    set(a, 2, Infinity); set(b, 2, 1);
    add_fwd(a, b, o, 1, 1, 1, 3, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(isNaN(get(o, 0))).toBe(true);
    expect(isNaN(get(o, 1))).toBe(true);
    expect(get(o, 2)).toBe(Infinity);
  });
});
