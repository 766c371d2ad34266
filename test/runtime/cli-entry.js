// Entry for the command-line runtimes (Node, Deno, Bun): loads the built package
// by its name, as a user would (`simdgrad` resolves through package.json
// `exports` to build/index.js), runs the workload with the build named on the
// command line and prints one JSON line.
//   node test/runtime/cli-entry.js simd128|relaxed [--values] [--threads N] [--split-all]
// --threads passes init({ threads: N }) (default: 'auto'); --split-all init({ splitAll: true }),
// which splits every kernel call over the threads however small; the JSON line then
// carries threadStats() so a test can check the threads did the work.
import * as sg from 'simdgrad';
import { runWorkload } from './workload.js';

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const simd = args[0];
if (simd !== 'simd128' && simd !== 'relaxed')
  throw new Error(`usage: cli-entry.js simd128|relaxed [--values], got ${simd}`);
const at = args.indexOf('--threads');
const init = { simd };
if (at >= 0) init.threads = Number(args[at + 1]);
if (args.includes('--split-all')) init.splitAll = true;
if (at >= 0) {
  await sg.init(init);
  await sg.startThreads(); // so every split call below has its workers ready
}
const out = await runWorkload(sg, init, { values: args.includes('--values') });
console.log(JSON.stringify({ resolved: import.meta.resolve('simdgrad'), ...out, threads: sg.threadStats() }));
