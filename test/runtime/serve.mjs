// A small static file server on 127.0.0.1 for the browser tests: serves chosen
// files of the repository (a URL prefix → directory map, nothing else), sends
// the strict Content-Security-Policy every page runs under, and picks a free
// port. Used by the runtime suite and by the browser example's test.
import { createReadStream, statSync } from 'node:fs';
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
 * when given. Resolves to { url, close }. Requests outside the mounts are 404.
 */
export function serveStatic({ mounts, index, csp = CSP }) {
  const server = createServer((req, res) => {
    const headers = { 'Content-Security-Policy': csp, 'Cache-Control': 'no-store' };
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

export const CHROMIUM_PATH = process.env.SIMDGRAD_CHROMIUM ?? '/usr/bin/chromium';

/** Launches Debian's Chromium through playwright-core; a failure names the runtime. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  try {
    return await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 30_000 });
  } catch (e) {
    throw new Error(
      `runtime chromium could not start (${CHROMIUM_PATH}; install it with \`apt-get install -y chromium\`): ${e.message}`,
    );
  }
}
