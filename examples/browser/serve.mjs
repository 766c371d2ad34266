// `npm run demo`: builds the demo, rebuilds the bundles when main.js or
// train-worker.js change, and serves build/demo on 127.0.0.1 with the headers a
// page needs for threads (COOP/COEP make it crossOriginIsolated, so simdgrad's
// workers can share the wasm memory) and the strict CSP the demo runs under.
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import * as esbuild from 'esbuild';
import { buildDemo, bundleOptions, outdir } from './build.mjs';

const HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'",
  'Cache-Control': 'no-store',
};
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.bin': 'application/octet-stream',
};

await buildDemo();
const ctx = await esbuild.context(bundleOptions);
await ctx.watch();
const server = createServer((req, res) => {
  let path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
  if (path === '/') path = '/index.html';
  const file = normalize(join(outdir, path));
  try {
    if (!file.startsWith(outdir + sep) || !statSync(file).isFile()) throw new Error('not a file');
  } catch {
    res.writeHead(404, { ...HEADERS, 'Content-Type': 'text/plain' }).end(`not found: ${path}`);
    return;
  }
  res.writeHead(200, { ...HEADERS, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});
const port = Number(process.env.PORT ?? 8000);
server.listen(port, '127.0.0.1', () => {
  console.log(`simdgrad demo: http://127.0.0.1:${server.address().port}/  (serving ${outdir}; Ctrl-C to stop)`);
});
