// Entry for the command-line runtimes (Node, Deno, Bun): loads the built package
// by its name, as a user would (`simdgrad` resolves through package.json
// `exports` to build/index.js, `simdgrad/onnx` to build/onnx.js), runs the workload with the build named on the
// command line and prints one JSON line.
//   node test/runtime/cli-entry.js simd128|relaxed [--values]
import * as sg from 'simdgrad';
import * as onnx from 'simdgrad/onnx';
import { runWorkload } from './workload.js';

const args = globalThis.Deno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
const simd = args[0];
if (simd !== 'simd128' && simd !== 'relaxed')
  throw new Error(`usage: cli-entry.js simd128|relaxed [--values], got ${simd}`);
const out = await runWorkload(sg, { simd }, { values: args.includes('--values') }, onnx);
console.log(JSON.stringify({ resolved: import.meta.resolve('simdgrad'), ...out }));
