// Prints the chapter's numbers (npm run example:chapter bundles and runs this).
import { main } from './mlp-chapter.js';

const r = await main();
const at = (curve: number[], x: number) => curve[r.x.findIndex((v) => Math.abs(v - x) < 1e-6)];
console.log(`x = arange(-8, 8, 0.1): ${r.x.length} points`);
for (const name of ['relu', 'sigmoid', 'tanh'] as const) {
  const c = r[name];
  console.log(
    `${name.padEnd(7)} y(-2, 0, 2) = ${[-2, 0, 2].map((v) => at(c.y, v).toFixed(4)).join(', ')}   ` +
      `dy/dx(-2, 0, 2) = ${[-2, 0, 2].map((v) => at(c.grad, v).toFixed(4)).join(', ')}`,
  );
}
console.log(`relu'(0) = ${r.reluGradAtZero} (the left-hand derivative, as the book chooses)`);
console.log(`sigmoid' peaks at ${r.sigmoidPeak.value} at x = ${r.sigmoidPeak.at}`);
console.log(`tanh' peaks at ${r.tanhPeak.value} at x = ${r.tanhPeak.at}`);
console.log(`max |tanh(x) + 1 - 2 sigmoid(2x)| = ${r.identityMaxError.toExponential(2)}`);
console.log(
  `two linear layers vs W = W2 W1 ${JSON.stringify(r.collapsedShapes.W)}, b = W2 b1 + b2 ${JSON.stringify(r.collapsedShapes.b)}: max diff ${r.collapseMaxError.toExponential(2)}`,
);
