// Entry for the command-line runtimes (Node, Deno, Bun): loads the built package
// by its name, as a user would (`simdgrad` resolves through package.json
// `exports` to build/index.js, `simdgrad/onnx` to build/onnx.js), runs the workload with the build named on the
// command line and prints one JSON line.
//   node test/runtime/cli-entry.js simd128|relaxed [--values] [--tile 4x8|5x8|6x8] [--threads N [--split-all]]
import * as sg from 'simdgrad';
import * as onnx from 'simdgrad/onnx';
import { untilParallel } from './shares.js';
import { runWorkload } from './workload.js';

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const simd = args[0];
if (simd !== 'simd128' && simd !== 'relaxed')
  throw new Error(`usage: cli-entry.js simd128|relaxed [--values], got ${simd}`);
const t = args.indexOf('--tile');
const init = t >= 0 ? { simd, tile: args[t + 1] } : { simd };
// --threads N: init({ threads: N, splitAll: true }) (every splittable call split over
// the threads, however small) after startThreads(); the line carries threadStats().
const at = args.indexOf('--threads');
if (at >= 0) {
  init.threads = Number(args[at + 1]);
  init.splitAll = args.includes('--split-all');
  await sg.init(init);
  await sg.startThreads();
}
const out = await runWorkload(sg, init, { values: args.includes('--values') }, onnx);
const threads = at >= 0 ? await untilParallel(sg) : sg.threadStats();
console.log(
  JSON.stringify({
    resolved: import.meta.resolve('simdgrad'),
    tile: sg.tile().tile,
    ...out,
    threads,
  }),
);
