// Runs the workload (workload.js) through the built package in each runtime and
// returns its digest record. Every runner is bounded by a timeout, kills what it
// started, and turns "this runtime could not start" into an Error that names the
// runtime (the suite treats that as a failure, never a skip).
import { execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, launchChromium, serveStatic } from './serve.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const here = join(root, 'test/runtime');

/**
 * Where each runtime's binary may be: node_modules/.bin first; then the platform
 * package the npm wrapper would have linked in its postinstall, for installs
 * where npm skipped that script (npm 11 may): bun's `.bin/bun` is then only a
 * placeholder, and deno's and workerd's wrappers look for the same files.
 */
const CANDIDATES = {
  node24: ['node_modules/node24/bin/node'],
  deno: [
    'node_modules/.bin/deno',
    'node_modules/@deno/linux-x64-glibc/deno',
    'node_modules/@deno/linux-arm64-glibc/deno',
  ],
  bun: [
    'node_modules/.bin/bun',
    'node_modules/@oven/bun-linux-x64/bin/bun',
    'node_modules/@oven/bun-linux-x64-baseline/bin/bun',
    'node_modules/@oven/bun-linux-aarch64/bin/bun',
  ],
  workerd: [
    'node_modules/.bin/workerd',
    'node_modules/@cloudflare/workerd-linux-64/bin/workerd',
    'node_modules/@cloudflare/workerd-linux-arm64/bin/workerd',
  ],
};
const found = new Map();

/** The first candidate binary for `name` that answers `--version`; throws naming the runtime if none does. */
export function bin(name) {
  if (found.has(name)) return found.get(name);
  const tried = [];
  for (const rel of CANDIDATES[name] ?? [`node_modules/.bin/${name}`]) {
    const file = join(root, rel);
    if (!existsSync(file)) {
      tried.push(`${rel}: missing`);
      continue;
    }
    try {
      execFileSync(file, ['--version'], { stdio: 'pipe', timeout: 30_000 });
      found.set(name, file);
      return file;
    } catch (e) {
      tried.push(
        `${rel}: ${
          String(e.stderr || e.message)
            .trim()
            .split('\n')[0]
        }`,
      );
    }
  }
  throw new Error(
    `runtime ${name} could not start: no working binary (${tried.join('; ')}); run \`npm ci\` (with install scripts) or \`npm rebuild ${name}\``,
  );
}

const TIMEOUT = 60_000;

/** The runtimes and, for each, whether it runs the relaxed build (and how). */
export const RUNTIMES = ['node', 'node24', 'deno', 'bun', 'chromium', 'workerd'];
export const RELAXED_RUNTIMES = ['node', 'node24', 'deno', 'bun', 'chromium', 'workerd'];

function checkBuilt() {
  for (const f of ['build/index.js', 'build/simd128.wasm', 'build/relaxed.wasm']) {
    if (!existsSync(join(root, f))) throw new Error(`${f} is missing: run \`npm run build\` first`);
  }
}

function lastJson(runtime, stdout) {
  const line = stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`runtime ${runtime} printed no digest record; its output ended with: ${stdout.slice(-500)}`);
  }
}

function execRuntime(runtime, file, args) {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { cwd: root, timeout: TIMEOUT, killSignal: 'SIGKILL', maxBuffer: 64 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) {
          const why = err.killed ? `timed out after ${TIMEOUT} ms` : `exited with ${err.code ?? err.signal}`;
          reject(new Error(`runtime ${runtime} failed (${file} ${args.join(' ')}): ${why}\n${stderr.slice(-2000)}`));
          return;
        }
        try {
          resolve(lastJson(runtime, stdout));
        } catch (e) {
          reject(e);
        }
      },
    );
  });
}

const entry = join(here, 'cli-entry.js');

/** The entry's flags: --values, --tile T, and --threads N --split-all when `threads` is given. */
function entryFlags({ values = false, tile, threads = 0 }) {
  return [
    ...(values ? ['--values'] : []),
    ...(tile ? ['--tile', tile] : []),
    ...(threads ? ['--threads', String(threads), '--split-all'] : []),
  ];
}

/**
 * simd: 'simd128' | 'relaxed'. values: include the raw floats of every section; tile: force a GEMM tile;
 * threads: run with init({ threads, splitAll: true }) (every splittable call split).
 */
export async function runNode(simd, opts = {}) {
  checkBuilt();
  const flags = simd === 'relaxed' ? ['--experimental-wasm-relaxed-simd'] : [];
  return execRuntime('node', process.execPath, [...flags, entry, simd, ...entryFlags(opts)]);
}

/**
 * The same under Node 24 LTS (the node24 devDependency's binary). Node 24 has
 * relaxed SIMD on and rejects --experimental-wasm-relaxed-simd, so no flag.
 */
export async function runNode24(simd, opts = {}) {
  checkBuilt();
  return execRuntime('node24', bin('node24'), [entry, simd, ...entryFlags(opts)]);
}

export async function runDeno(simd, opts = {}) {
  checkBuilt();
  return execRuntime('deno', bin('deno'), ['run', '-A', entry, simd, ...entryFlags(opts)]);
}

export async function runBun(simd, opts = {}) {
  checkBuilt();
  // The repository's tsconfig maps `simdgrad` to src/ for tsc; Bun honours tsconfig
  // paths, so give it one without them and it resolves the package's exports.
  const tsconfig = join(here, 'bun.tsconfig.json');
  return execRuntime('bun', bin('bun'), [`--tsconfig-override=${tsconfig}`, entry, simd, ...entryFlags(opts)]);
}

/** Opens the workload page in a fresh page of `browser` (one realm, one engine per page). */
async function pageRun(browser, url, simd, values, threads) {
  const page = await browser.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  try {
    const q = `simd=${simd}${values ? '&values' : ''}${threads ? `&threads=${threads}` : ''}`;
    await page.goto(`${url}/runtime/browser/index.html?${q}`, { timeout: TIMEOUT });
    try {
      await page.waitForFunction(() => globalThis.simdgradWorkload !== undefined, null, { timeout: TIMEOUT });
    } catch (e) {
      throw new Error(`runtime chromium: the workload page never ran (${e.message}); ${problems.join('; ')}`);
    }
    const r = await page.evaluate(() => globalThis.simdgradWorkload);
    if (!r.ok) throw new Error(`runtime chromium: the workload threw: ${r.error}`);
    const { ok: _ok, violations, ...out } = r;
    return { ...out, violations, problems };
  } finally {
    await page.close();
  }
}

/**
 * Runs the workload in headless Chromium for each build in `simds`, one page each,
 * the page served from 127.0.0.1 under the strict CSP (and COOP/COEP with
 * `threads`: init({ threads, splitAll: true }) after startThreads()). Returns { [simd]: record }
 * where each record also lists CSP `violations` and console/page `problems`.
 */
export async function runChromium(simds, { values = false, threads = 0 } = {}) {
  checkBuilt();
  const server = await serveStatic({
    mounts: { '/build/': join(root, 'build'), '/runtime/': here },
    isolated: threads > 0,
  });
  let browser;
  try {
    browser = await launchChromium();
    const out = {};
    for (const simd of simds) out[simd] = await pageRun(browser, server.url, simd, values, threads);
    return out;
  } finally {
    await browser?.close();
    await server.close();
  }
}

/** Waits for `url` to answer, bounded; fails early if the process exited. */
async function waitHttp(url, proc, log, runtime) {
  for (let i = 0; i < 200; i++) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`runtime ${runtime} could not start: exited with ${proc.exitCode ?? proc.signalCode}\n${log()}`);
    }
    try {
      return await fetch(url, { signal: AbortSignal.timeout(TIMEOUT) });
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`runtime ${runtime} could not start: no answer on ${url} after 20 s\n${log()}`);
}

/**
 * Starts `workerd serve <config>` with each named socket (default: `http`) moved
 * to a free port on 127.0.0.1, calls `fn(baseUrlOfHttp, { [socket]: baseUrl })`,
 * and always kills workerd.
 */
export async function withWorkerd(config, fn, runtime = 'workerd', sockets = ['http']) {
  const file = bin('workerd');
  let lastErr;
  for (let attempt = 0; attempt < 3; attempt++) {
    const bases = {};
    const args = ['serve', config];
    for (const name of sockets) {
      const port = await freePort();
      bases[name] = `http://127.0.0.1:${port}`;
      args.push('--socket-addr', `${name}=127.0.0.1:${port}`);
    }
    let log = '';
    const proc = spawn(file, args, {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc.stdout.on('data', (d) => {
      log += d;
    });
    proc.stderr.on('data', (d) => {
      log += d;
    });
    const spawnError = new Promise((_, reject) =>
      proc.on('error', (e) => reject(new Error(`runtime ${runtime} could not start: ${e.message}`))),
    );
    spawnError.catch(() => {});
    const exited = new Promise((r) => proc.on('exit', r));
    try {
      for (const base of Object.values(bases)) {
        await Promise.race([spawnError, waitHttp(`${base}/__ready`, proc, () => log, runtime)]);
      }
      return await fn(bases[sockets[0]], bases);
    } catch (e) {
      lastErr = e;
      // A port taken between freePort() and workerd's bind: try another one.
      if (!/Address already in use/i.test(log)) throw e;
    } finally {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGKILL');
        await exited;
      }
    }
  }
  throw lastErr;
}

/**
 * The workload in workerd: the kernel module imported as a wasm module and passed
 * to init({ module }); the `http` socket serves the simd128 build, the `relaxed`
 * socket (a second service, its own isolate) the relaxed one.
 * Returns { [simd]: record } for each build in `simds`.
 */
export async function runWorkerd(simds = ['simd128'], { values = false } = {}) {
  checkBuilt();
  const socket = { simd128: 'http', relaxed: 'relaxed' };
  return withWorkerd(
    join(here, 'workerd/config.capnp'),
    async (_, bases) => {
      const out = {};
      for (const simd of simds) {
        const res = await fetch(`${bases[socket[simd]]}/${values ? '?values' : ''}`, {
          signal: AbortSignal.timeout(TIMEOUT),
        });
        const body = await res.json();
        if (!res.ok) throw new Error(`runtime workerd (${simd}): the workload threw: ${body.error}`);
        out[simd] = body;
      }
      return out;
    },
    'workerd',
    ['http', 'relaxed'],
  );
}

/** Runs the simd128 workload in all six runtimes; { node, node24, deno, bun, chromium, workerd }. */
export async function runAllSimd128() {
  const [node, node24, deno, bun, chromium, workerd] = await Promise.all([
    runNode('simd128'),
    runNode24('simd128'),
    runDeno('simd128'),
    runBun('simd128'),
    runChromium(['simd128']).then((r) => r.simd128),
    runWorkerd(['simd128']).then((r) => r.simd128),
  ]);
  return { node, node24, deno, bun, chromium, workerd };
}
