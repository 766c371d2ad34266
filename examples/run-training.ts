// Runs the book's training-section examples at full size and writes their
// figures: `npm run example:training -- [dropout|weight-decay|initialization] [--out DIR]`
// (default: all three, figures into build/examples/figures/).
import * as fs from 'node:fs';
import * as path from 'node:path';
import process from 'node:process';
import { run as dropout } from './dropout/index.js';
import { run as initialization } from './initialization/index.js';
import { run as weightDecay } from './weight-decay/index.js';

const args = process.argv.slice(2);
const outAt = args.indexOf('--out');
const out = outAt >= 0 ? args[outAt + 1]! : 'build/examples/figures';
const which = args.filter((a, i) => !a.startsWith('--') && i !== outAt + 1 && a);
const want = (n: string) => which.length === 0 || which.includes(n);
fs.mkdirSync(out, { recursive: true });
const write = (name: string, svg: string) => {
  fs.writeFileSync(path.join(out, name), svg);
  console.log(`  wrote ${path.join(out, name)}`);
};

if (want('initialization')) {
  const r = await initialization();
  const at = (v: number) => r.grad[r.x.findIndex((x) => Math.abs(x - v) < 1e-6)]!;
  console.log(
    `initialization: sigmoid'(0) = ${at(0)}, sigmoid'(±6) = ${at(6).toExponential(2)}, ${at(-6).toExponential(2)}`,
  );
  console.log(
    `  max |entry| of the product after 0, 50, 100 matrices: ${[0, 50, 100].map((k) => r.productMax[k]!.toExponential(2)).join(', ')}`,
  );
  console.log(
    `  activation std after 20 linear layers: N(0,1) ${r.stdNormal.at(-1)!.toExponential(2)}, Xavier ${r.stdXavier.at(-1)!.toFixed(3)}`,
  );
  for (const [name, svg] of Object.entries(r.figures)) write(name, svg);
}
if (want('weight-decay')) {
  for (const c of await weightDecay()) {
    console.log(
      `weight decay λ = ${c.lambda}: train loss ${c.trainLoss.at(-1)!.toExponential(3)}, test loss ${c.testLoss.at(-1)!.toExponential(3)}, ‖w‖ = ${c.weightNorm.toFixed(4)}`,
    );
    write(`weight-decay-${c.lambda}.svg`, c.svg);
  }
}
if (want('dropout')) {
  const t0 = performance.now();
  const r = await dropout();
  r.epochs.forEach((e, i) => {
    console.log(
      `dropout epoch ${e}: train loss ${r.trainLoss[i]!.toFixed(4)}, train acc ${r.trainAcc[i]!.toFixed(4)}, test acc ${r.testAcc[i]!.toFixed(4)}`,
    );
  });
  console.log(`  ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  write('dropout.svg', r.svg);
}
