// The workload as a Cloudflare-style worker: the kernel module is imported as a
// compiled WebAssembly.Module (workerd forbids compiling wasm from bytes) and
// handed to init({ module }): simdgrad/wasm/simd128.wasm, or relaxed.wasm when the
// service's SIMD binding says so. GET / answers with the digest record as JSON.
import * as sg from 'simdgrad';
import * as onnx from 'simdgrad/onnx';
import relaxed from 'simdgrad/wasm/relaxed.wasm';
import simd128 from 'simdgrad/wasm/simd128.wasm';
import { runWorkload } from './workload.js';

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/__ready') return new Response('ok');
    const values = url.searchParams.has('values');
    try {
      const out = await runWorkload(sg, { module: env.SIMD === 'relaxed' ? relaxed : simd128 }, { values }, onnx);
      return Response.json(out);
    } catch (e) {
      return Response.json({ error: String(e?.stack ?? e) }, { status: 500 });
    }
  },
};
