// SPDX-License-Identifier: MIT
// How a tensor prints (toString, Node's/Bun's util.inspect, Deno's inspector):
// its values and shape as PyTorch shows them, `tensor([[1, 2], [3, 4]], shape=[2, 2])`,
// on one line. Past SUMMARIZE elements every long axis shows its first and last
// few entries around `...`, with fewer entries per axis as the rank grows, so any
// tensor prints in a few thousand characters.

/** Tensors with more elements than this are summarized (PyTorch's threshold is 1000; lines are longer here). */
const SUMMARIZE = 200;
/** At most about this many values are shown once summarized. */
const MAX_SHOWN = 256;
/** A hard cap on the printed length (each value takes at most ~13 characters). */
const MAX_CHARS = 4000;

/** One value: integers as integers, others with up to 6 significant digits; nan, inf, -inf as PyTorch prints them. */
export function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  if (Object.is(x, -0)) return '-0';
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) return x.toExponential(4).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(6)));
}

/** How many entries per end of a long axis are shown: 3, fewer when the rank would show too many values. */
function edgeItems(shape: readonly number[]): number {
  for (let edge = 3; edge > 1; edge--) {
    let shown = 1;
    for (const n of shape) shown *= Math.min(n, 2 * edge);
    if (shown <= MAX_SHOWN) return edge;
  }
  return 1;
}

/** `tensor(<values>, shape=[…])` for data `d` (row-major, `shape`'s size). */
export function formatTensor(d: ArrayLike<number>, shape: readonly number[]): string {
  const dims = `shape=[${shape.join(', ')}]`;
  if (shape.length === 0) return `tensor(${formatNumber(d[0])}, ${dims})`;
  let size = 1;
  for (const n of shape) size *= n;
  const edge = size > SUMMARIZE ? edgeItems(shape) : Number.POSITIVE_INFINITY;
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const show = (axis: number, off: number): string => {
    const n = shape[axis];
    const idx: number[] = [];
    if (n > 2 * edge) {
      for (let i = 0; i < edge; i++) idx.push(i);
      idx.push(-1);
      for (let i = n - edge; i < n; i++) idx.push(i);
    } else for (let i = 0; i < n; i++) idx.push(i);
    const last = axis === shape.length - 1;
    const parts = idx.map((i) =>
      i < 0 ? '...' : last ? formatNumber(d[off + i]) : show(axis + 1, off + i * strides[axis]),
    );
    return `[${parts.join(', ')}]`;
  };
  let body = show(0, 0);
  if (body.length > MAX_CHARS) body = `${body.slice(0, MAX_CHARS)}...`;
  return `tensor(${body}, ${dims})`;
}
