// The workload in a page served with the strict CSP: loads the built package
// from /build/index.js (its wasm is inlined and compiled under 'wasm-unsafe-eval'),
// runs the build named by ?simd=, and leaves the digest record (or the error) in
// globalThis.simdgradWorkload for the test to read. CSP violations are collected.
import * as sg from '/build/index.js';
import * as onnx from '/build/onnx.js'; // imports ./index.js: the same module as above, one engine
import { untilParallel } from '../shares.js';
import { runWorkload } from '../workload.js';

const violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  violations.push(`${e.violatedDirective}: ${e.blockedURI}`);
});

const params = new URL(location.href).searchParams;
const simd = params.get('simd') ?? 'simd128';
// ?threads=N (a page served with COOP/COEP): every splittable call split over N threads
const threads = params.has('threads') ? Number(params.get('threads')) : undefined;
async function run() {
  const init = threads ? { simd, threads, splitAll: true } : { simd };
  if (threads) {
    await sg.init(init);
    await sg.startThreads();
  }
  return runWorkload(sg, init, { values: params.has('values') }, onnx);
}
globalThis.simdgradWorkload = run().then(
  async (out) => {
    document.getElementById('out').textContent = out.digest;
    const stats = threads ? await untilParallel(sg) : sg.threadStats();
    return { ok: true, violations, ...out, threads: stats, isolated: globalThis.crossOriginIsolated };
  },
  (e) => ({ ok: false, violations, error: String(e?.stack ?? e) }),
);
