// ONNX Runtime Web (wasm backend, one thread) as the reference runtime of the
// ONNX tests, and the comparison helper they share.
import { expect } from 'vitest';

type Ort = typeof import('onnxruntime-web');
let ortP: Promise<Ort> | null = null;

function ort(): Promise<Ort> {
  ortP ??= import('onnxruntime-web').then((o) => {
    o.env.wasm.numThreads = 1;
    return o;
  });
  return ortP;
}

/** Runs `bytes` in ONNX Runtime on one float32 input; returns the named output (default: the first). */
export async function runOrt(
  bytes: Uint8Array,
  input: string,
  x: Float32Array,
  shape: number[],
  output?: string,
): Promise<Float32Array> {
  const o = await ort();
  const session = await o.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  try {
    const r = await session.run({ [input]: new o.Tensor('float32', x, shape) });
    const t = r[output ?? session.outputNames[0]];
    return Float32Array.from(t.data as Float32Array);
  } finally {
    await session.release();
  }
}

/** |a − b| ≤ atol + rtol·|b| elementwise, reporting the worst index. */
export function expectClose(a: Float32Array, b: Float32Array, rtol = 1e-5, atol = 1e-6): void {
  expect(a.length).toBe(b.length);
  let worst = -1;
  let excess = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i] - b[i]) - (atol + rtol * Math.abs(b[i]));
    if (!(e <= excess)) {
      excess = Number.isNaN(e) ? Number.POSITIVE_INFINITY : e;
      worst = i;
    }
  }
  expect(worst, worst >= 0 ? `index ${worst}: ${a[worst]} vs ${b[worst]}` : '').toBe(-1);
}
