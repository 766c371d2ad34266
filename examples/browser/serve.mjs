// `npm run demo`: builds the demo and serves build/demo with esbuild on
// localhost (rebuilding the bundles when main.js or train-worker.js change).
import * as esbuild from 'esbuild';
import { buildDemo, bundleOptions, outdir } from './build.mjs';

await buildDemo();
const ctx = await esbuild.context(bundleOptions);
await ctx.watch();
const port = Number(process.env.PORT ?? 8000);
const { hosts, port: actual } = await ctx.serve({ servedir: outdir, host: '127.0.0.1', port });
console.log(`simdgrad demo: http://127.0.0.1:${actual}/  (serving ${outdir} on ${hosts.join(', ')}; Ctrl-C to stop)`);
