// A small static file server on 127.0.0.1 for the browser tests: serves chosen
// files of the repository (a URL prefix → directory map, nothing else), sends
// the strict Content-Security-Policy every page runs under, and picks a free
// port. Used by the runtime suite and by the browser example's test.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

/** The only policy the pages get: 'self' plus 'wasm-unsafe-eval' for wasm compilation. */
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

/** The headers that make a page crossOriginIsolated (SharedArrayBuffer, so threads). */
export const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/** A port that was free a moment ago on 127.0.0.1 (for servers we cannot hand a socket to). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts serving `mounts` ({ '/build/': '/abs/build', ... }); `/` maps to `index`
 * when given; `isolated` adds the COOP/COEP headers. Resolves to { url, close }. Requests outside the mounts are 404.
 */
export function serveStatic({ mounts, index, csp = CSP, isolated = false }) {
  const server = createServer((req, res) => {
    const headers = { 'Content-Security-Policy': csp, 'Cache-Control': 'no-store', ...(isolated ? ISOLATION : {}) };
    let path = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    if (path === '/' && index) path = index;
    if (path === '/favicon.ico') {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    for (const [prefix, dir] of Object.entries(mounts)) {
      if (!path.startsWith(prefix)) continue;
      const file = normalize(join(dir, path.slice(prefix.length)));
      if (file !== dir && !file.startsWith(dir.endsWith(sep) ? dir : dir + sep)) break;
      let st;
      try {
        st = statSync(file);
      } catch {
        break;
      }
      if (!st.isFile()) break;
      res.writeHead(200, {
        ...headers,
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': st.size,
      });
      createReadStream(file).pipe(res);
      return;
    }
    res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' });
    res.end(`not found: ${path}`);
  });
  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections?.();
            server.close(() => r());
          }),
      });
    });
  });
}

/** Chromium's flags for the tests: headless, no sandbox (CI runs as root), no network chatter. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** Where a system Chromium lives (Debian, Ubuntu, Alpine, Fedora); the first that exists wins. */
export const SYSTEM_CHROMIUMS = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/**
 * Flags of @sparticuz/chromium's build (made for AWS Lambda) that the tests leave
 * out: two weaken the security model the browser suite checks (the strict CSP,
 * mixed content), and --single-process closes the browser with its first page.
 */
const LEFT_OUT = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

/**
 * Finds a Chromium without fetching anything: $SIMDGRAD_CHROMIUM, else the
 * system's, else the one inside the @sparticuz/chromium devDependency (a
 * headless build, unpacked from node_modules to the temp directory on first use).
 * Resolves to { executablePath, args, source }.
 */
export async function findChromium() {
  const own = process.env.SIMDGRAD_CHROMIUM;
  if (own) return { executablePath: own, args: CHROMIUM_ARGS, source: '$SIMDGRAD_CHROMIUM' };
  const system = SYSTEM_CHROMIUMS.find((p) => existsSync(p));
  if (system) return { executablePath: system, args: CHROMIUM_ARGS, source: 'system' };
  let sparticuz;
  try {
    sparticuz = (await import('@sparticuz/chromium')).default;
  } catch (e) {
    throw new Error(
      `runtime chromium: no system Chromium (${SYSTEM_CHROMIUMS.join(', ')}) and the @sparticuz/chromium devDependency is not installed (run \`npm ci\`): ${e.message}`,
    );
  }
  const executablePath = await sparticuz.executablePath();
  const args = [...new Set([...sparticuz.args.filter((a) => !LEFT_OUT.has(a)), ...CHROMIUM_ARGS])];
  return { executablePath, args, source: '@sparticuz/chromium' };
}

/** Launches Chromium (findChromium) through playwright-core; a failure names the runtime and the binary. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const found = await findChromium();
  try {
    return await chromium.launch({ executablePath: found.executablePath, args: found.args, timeout: 60_000 });
  } catch (e) {
    throw new Error(`runtime chromium could not start (${found.executablePath}, from ${found.source}): ${e.message}`);
  }
}
