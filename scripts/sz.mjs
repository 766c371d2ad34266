// Line and byte budgets (tinygrad's sz.py): prints the lines of code per folder
// (blank lines and comment-only lines left out, so doc comments never compete
// with code for the budget), the size of each wasm build and the gzip size of the
// core bundle (both builds and the worker source inlined), and exits non-zero
// past a budget.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const budgets = [
  { name: 'assembly/ (kernels, specs excluded)', dir: 'assembly', skip: ['__tests__'], max: 2500 },
  { name: 'src/ core (data, plot, onnx, cli excluded)', dir: 'src', skip: ['data', 'plot', 'onnx', 'cli'], max: 6800 },
  { name: 'src/data + src/plot + src/cli', dirs: ['src/data', 'src/plot', 'src/cli'], max: 2500 },
  { name: 'src/onnx (the simdgrad/onnx entry)', dir: 'src/onnx', max: 2000 },
];
const wasmMax = 64 * 1024;
/** The core entry a default import ships, gzip -9: 100 KB. */
const coreGzipMax = 100 * 1000;

function lines(dir, skip = []) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  const out = [];
  for (const entry of readdirSync(abs)) {
    const p = join(abs, entry);
    if (statSync(p).isDirectory()) {
      if (!skip.includes(entry)) out.push(...lines(relative(root, p)));
    } else if (/\.(ts|mjs|js)$/.test(entry)) {
      const n = readFileSync(p, 'utf8')
        .split('\n')
        .filter((l) => {
          const t = l.trim();
          return t !== '' && !t.startsWith('//') && !t.startsWith('/*') && !t.startsWith('*');
        }).length;
      out.push([relative(root, p), n]);
    }
  }
  return out;
}

let ok = true;
const rows = [];
for (const b of budgets) {
  const files = (b.dirs ?? [b.dir]).flatMap((d) => lines(d, b.skip));
  const total = files.reduce((s, [, n]) => s + n, 0);
  const over = total > b.max;
  ok &&= !over;
  rows.push(`${over ? 'OVER' : 'ok  '}  ${String(total).padStart(6)} / ${b.max} lines  ${b.name}`);
  for (const [f, n] of files) if (n > 400) rows.push(`      note: ${f} has ${n} lines (split it by meaning past ~400)`);
}
for (const w of ['simd128', 'relaxed', 'simd128-shared', 'relaxed-shared']) {
  const p = join(root, 'build', `${w}.wasm`);
  if (!existsSync(p)) continue;
  const size = statSync(p).size;
  const over = size > wasmMax;
  ok &&= !over;
  rows.push(`${over ? 'OVER' : 'ok  '}  ${String(size).padStart(6)} / ${wasmMax} bytes  build/${w}.wasm`);
}
const core = join(root, 'build/index.js');
if (existsSync(core)) {
  const size = gzipSync(readFileSync(core), { level: 9 }).length;
  const over = size > coreGzipMax;
  ok &&= !over;
  rows.push(`${over ? 'OVER' : 'ok  '}  ${String(size).padStart(6)} / ${coreGzipMax} bytes  build/index.js (gzip)`);
}
console.log(rows.join('\n'));
if (!ok) {
  console.error('sz: a budget is exceeded');
  process.exit(1);
}
