// The package as a user installs it: `npm pack` of the built tree, installed
// offline into a fresh temporary project (nothing but the tarball), where the
// README's ten-line example runs, `npx simdgrad info` answers, `simdgrad bench`
// says where the benchmark lives, and the shipped types compile for a strict
// consumer (skipLibCheck false, no @types/node, no dom) under nodenext and
// bundler resolution. publint and @arethetypeswrong/cli check the tarball.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules/.bin', name);
// The budget. ECharts (about 200 KB gzip) is an optional peer dependency of
// simdgrad/plot rather than bundled into it, which leaves room for the source maps of
// every library bundle next to it.
const MAX_PACKED = 400 * 1024;

let dir = '';
let tarball = '';
let files: string[] = [];
let app = '';

// A user's PATH: without the node_modules/.bin entries npm and vitest add (a
// dependency there ships an old npm of its own).
const PATH = (process.env.PATH ?? '')
  .split(':')
  .filter((p) => !p.includes('node_modules/.bin'))
  .join(':');

function sh(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: {
      ...process.env,
      PATH,
      npm_config_audit: 'false',
      npm_config_fund: 'false',
      npm_config_update_notifier: 'false',
    },
  });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error };
}

/** The README's "Ten lines" code block, verbatim. */
function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const m = /## Ten lines\s+```ts\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error('README.md has no "## Ten lines" ts block');
  return m[1];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'simdgrad-pack-'));
  // the build stage already built build/: pack it as is (no prepare)
  const packed = sh('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], root);
  if (packed.status !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
  const out = packed.stdout;
  const info = JSON.parse(out)[0];
  tarball = join(dir, info.filename);
  files = info.files.map((f: { path: string }) => f.path);
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const r = sh('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], app);
  if (r.status !== 0) throw new Error(`npm install of the tarball failed: ${r.stderr}`);
}, 300_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it(`is at most ${MAX_PACKED / 1024} KB packed and ships only what users run`, () => {
    expect(statSync(tarball).size).toBeLessThanOrEqual(MAX_PACKED);
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'build/index.js',
      'build/index.js.map',
      'build/index.d.ts',
      'build/data.js',
      'build/data.js.map',
      'build/data.d.ts',
      'build/plot.js',
      'build/plot.js.map',
      'build/plot.d.ts',
      'build/onnx.js',
      'build/onnx.js.map',
      'build/onnx.d.ts',
      'build/cli.js',
      'build/simd128.wasm',
      'build/relaxed.wasm',
      'build/types/index.d.ts',
      'build/types/tensor.d.ts',
    ])
      expect(files, f).toContain(f);
    // every shipped source map sits next to its bundle
    for (const m of files.filter((f) => f.endsWith('.map'))) expect(files).toContain(m.slice(0, -4));
    for (const f of files) {
      expect(f, 'no demo, .wat, debug build or test in the package').not.toMatch(
        /demo|\.wat$|debug|examples|test|\.map\.map/,
      );
      expect(f.startsWith('build/') || ['package.json', 'README.md', 'LICENSE'].includes(f), f).toBe(true);
    }
  });

  it("installs offline into a fresh project and runs the README's ten-line example", () => {
    writeFileSync(join(app, 'ten.mjs'), readmeExample());
    const r = sh(process.execPath, ['ten.mjs'], app);
    expect(r.error).toBeUndefined();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\[\s*\[\s*11,\s*22,\s*33\s*\],\s*\[\s*14,\s*25,\s*36\s*\]\s*\]/);
    expect(r.stdout).toMatch(/tensors: \d+, bytes: \d+, wasmBytes: \d+/);
  });

  it('`npx simdgrad info` runs from the installed package', () => {
    const r = sh('npx', ['--no-install', 'simdgrad', 'info'], app);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^simdgrad\s+0\.\d+\.\d+/m);
    expect(r.stdout).toMatch(/^build\s+(simd128|relaxed-simd)/m);
    expect(r.stdout).toMatch(/simd128\.wasm \d[\d,]* bytes, relaxed\.wasm \d[\d,]* bytes/);
  });

  it('a command that draws, without the optional echarts installed, says how to install it before any work', () => {
    const r = sh('npx', ['--no-install', 'simdgrad', 'plot', 'activations', '--out', join(app, 'figs')], app);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/echarts.*not installed: npm install echarts/);
    expect(existsSync(join(app, 'figs'))).toBe(false);
  });

  it('`simdgrad bench` in the installed package says plainly that the benchmark lives in the repository', () => {
    const r = sh('npx', ['--no-install', 'simdgrad', 'bench'], app);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/the benchmark lives in the simdgrad repository .*not in the installed npm package/);
  });

  for (const [resolution, mod] of [
    ['nodenext', 'nodenext'],
    ['bundler', 'preserve'],
  ] as const) {
    it(`types compile for a strict consumer: moduleResolution ${resolution}, skipLibCheck false, no @types/node, no dom`, () => {
      const ts = join(app, `ts-${resolution}`);
      mkdirSync(ts, { recursive: true });
      writeFileSync(
        join(ts, 'main.ts'),
        `import * as sg from 'simdgrad';
import { DataLoader, fashionMnist } from 'simdgrad/data';
import * as plot from 'simdgrad/plot';
import { exportOnnx, importOnnx } from 'simdgrad/onnx';
${readmeExample()
  .replace(/^import \* as sg from 'simdgrad';$/m, '')
  .replace(/console\.log/g, 'void ')}
const lin: sg.nn.Linear = new sg.nn.Linear(4, 2);
const opt = new sg.optim.SGD(lin.parameters(), { lr: 0.1 });
const out: sg.Tensor = lin.forward(sg.ones([3, 4]));
const e: sg.SimdgradError | null = null;
const imported: sg.nn.Sequential = importOnnx(exportOnnx(new sg.nn.MLP([4, 3, 2]), { batch: 'N', opset: 17 }));
export const used = [opt, out, e, DataLoader, fashionMnist, plot.line, out.shape[0] + out.size, imported];
`,
      );
      writeFileSync(join(ts, 'package.json'), JSON.stringify({ type: 'module' }));
      writeFileSync(
        join(ts, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            skipLibCheck: false,
            module: mod,
            moduleResolution: resolution,
            target: 'es2022',
            lib: ['es2022'],
            types: [],
            noEmit: true,
          },
          files: ['main.ts'],
        }),
      );
      const r = sh(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', ts], ts);
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  it('the public types carry no internals', () => {
    const tensor = readFileSync(join(app, 'node_modules/simdgrad/build/types/tensor.d.ts'), 'utf8');
    for (const internal of ['ptr', 'gradReq', 'kept', 'lazyT', 'pendingFill', 'holds', 'netted', 'view()', 'realize'])
      expect(tensor, internal).not.toMatch(new RegExp(`^\\s*${internal.replace(/[()]/g, '\\$&')}`, 'm'));
    const load = readFileSync(join(app, 'node_modules/simdgrad/build/types/engine/load.d.ts'), 'utf8');
    expect(load).not.toMatch(/from '\.\/kernels|from '\.\/heap|function engine\(|interface Engine/);
  });

  it('publint and @arethetypeswrong/cli find no problem in the tarball', () => {
    const p = sh(bin('publint'), ['run', tarball, '--strict'], root);
    expect(p.stdout + p.stderr).toMatch(/All good/);
    expect(p.status).toBe(0);
    // ESM-only by design (profile esm-only); the raw .wasm entry points have no types to check
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const entries = Object.keys(pkg.exports);
    const wasm = entries.filter((e) => e.endsWith('.wasm')).map((e) => e.slice(2));
    const args = [tarball, '--profile', 'esm-only', '--exclude-entrypoints', ...wasm, '--format', 'ascii'];
    const a = sh(bin('attw'), args, root);
    const checked = (a.stdout + a.stderr).split('\n').filter((l) => /^(node16 \(from ESM\)|bundler): /.test(l));
    expect(checked.length).toBe((entries.length - wasm.length) * 2); // each entry point under both resolutions
    for (const l of checked) expect(l).toMatch(/🟢/u);
    expect(a.status, a.stdout + a.stderr).toBe(0);
  });
});
