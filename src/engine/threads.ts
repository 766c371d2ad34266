// SPDX-License-Identifier: MIT
// Can this runtime run kernel workers over one shared wasm memory, and how many
// cores does it report? Node, Deno and Bun: worker_threads, reached through
// process.getBuiltinModule (Node ≥ 20.16) so the core entry imports nothing, and
// unref'd so idle workers never keep the process alive (Deno's web Worker has no
// unref); browsers: the global Worker, only when the page or worker is
// crossOriginIsolated (served with COOP/COEP). workerd has none. The worker's
// source is inlined in the bundle (scripts/build.mjs) and started from a data:
// URL (worker_threads) or a blob: URL (browsers): no file for a bundler to
// follow, copy or drop.

import workerSource from 'simdgrad:worker-source';

/** What a pool needs from the host: a way to start one worker, and the core count. */
export interface ThreadHost {
  readonly cores: number;
  /** Starts a kernel worker (src/engine/worker.ts); the handle reports errors and exit through onFault. */
  spawn(onFault: (why: string) => void): WorkerHandle;
  /** The calling thread may block in Atomics.wait (not a browser window's main thread). */
  readonly canBlock: boolean;
}

export interface WorkerHandle {
  post(message: unknown): void;
  terminate(): void;
}

interface NodeWorker {
  postMessage(m: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
  on(ev: string, f: (x: unknown) => void): void;
}
interface WebWorker {
  postMessage(m: unknown): void;
  terminate(): void;
  unref?: () => void;
  addEventListener(ev: string, f: (e: { message?: string; data?: unknown }) => void): void;
}

declare const Worker: new (url: string | URL, opts: { type: 'module'; name: string }) => WebWorker;

let blobUrl: string | null = null;

/** The worker as a blob: URL, made once per page or worker (kept: every pool restart reuses it). */
function workerBlobUrl(g: G): string {
  if (blobUrl === null) {
    if (typeof g.Blob !== 'function' || typeof g.URL.createObjectURL !== 'function') {
      throw new Error('this runtime has no Blob or URL.createObjectURL needed to start a kernel worker');
    }
    blobUrl = g.URL.createObjectURL(new g.Blob([workerSource], { type: 'text/javascript' }));
  }
  return blobUrl;
}

type G = {
  process?: { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };
  navigator?: { hardwareConcurrency?: number };
  Worker?: new (url: string, opts: { type: 'module'; name: string }) => WebWorker;
  Blob?: new (parts: string[], opts: { type: string }) => unknown;
  URL: { createObjectURL?: (blob: unknown) => string };
  SharedArrayBuffer?: unknown;
  crossOriginIsolated?: boolean;
  Deno?: unknown;
  Bun?: unknown;
  WebSocketPair?: unknown;
};

/** The host, or a sentence saying why threads cannot run here. */
export function threadHost(): ThreadHost | string {
  const g = globalThis as G;
  if (typeof g.SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    return g.crossOriginIsolated === false
      ? 'this page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so it has no SharedArrayBuffer'
      : 'this runtime has no SharedArrayBuffer';
  }
  const isNode = g.process?.versions?.node !== undefined && g.Deno === undefined && g.Bun === undefined;
  const wt = g.process?.getBuiltinModule?.('worker_threads') as { Worker?: new (u: URL) => NodeWorker } | undefined;
  if (isNode && !wt) {
    return `this Node (${g.process?.versions?.node}) has no getBuiltinModule, which threads need (Node ≥ 20.16 has it)`;
  }
  if (wt?.Worker) {
    const NodeWorker = wt.Worker;
    const os = g.process?.getBuiltinModule?.('os') as { availableParallelism?: () => number } | undefined;
    return {
      cores: os?.availableParallelism?.() ?? g.navigator?.hardwareConcurrency ?? 1,
      canBlock: true,
      spawn(onFault) {
        const w = new NodeWorker(new URL(`data:text/javascript,${encodeURIComponent(workerSource)}`));
        w.unref();
        w.on('error', (e) => onFault(`a worker thread failed: ${(e as Error)?.message ?? String(e)}`));
        w.on('exit', (code) => onFault(`a worker thread exited (code ${String(code)})`));
        return { post: (m) => w.postMessage(m), terminate: () => void w.terminate() };
      },
    };
  }
  if (typeof g.Worker !== 'function') return 'this runtime has no Worker (workerd and other edge hosts run one thread)';
  if (g.crossOriginIsolated === false) {
    return 'this page is not cross-origin isolated (serve it with Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp)';
  }
  return {
    cores: g.navigator?.hardwareConcurrency ?? 1,
    canBlock: canBlock(),
    spawn: (onFault) => browserWorker(g, onFault),
  };
}

const NO_SCRIPT =
  'the worker script could not load, neither worker.js beside the bundle nor its inlined copy from a blob: URL (a Content-Security-Policy must allow one of them as a worker source)';

/**
 * A browser kernel worker: from the file beside the bundle first (the form Vite
 * follows; allowed by a CSP as 'self'), else, when that script cannot load (a
 * bundler that dropped it: esbuild's defaults), from a blob: URL of the inlined
 * source, with the start message posted again. The worker posts one message as
 * soon as its script runs, so a later error is a fault, not a missing file.
 */
function browserWorker(g: G, onFault: (why: string) => void): WorkerHandle {
  let start: unknown = null;
  let loaded = false;
  let fellBack = false;
  let w: WebWorker;
  const attach = (make: () => WebWorker) => {
    w = make();
    w.addEventListener('message', () => {
      loaded = true;
    });
    w.addEventListener('error', (e) => {
      if (loaded) return onFault(`a worker thread failed: ${e.message ?? 'error event'}`);
      if (fellBack) return onFault(NO_SCRIPT);
      fellBack = true;
      try {
        attach(() => new Worker(workerBlobUrl(g), { type: 'module', name: 'simdgrad' })); // a CSP without worker-src blob: refuses it: then threads turn off
      } catch (err) {
        return onFault(`${NO_SCRIPT}: ${(err as Error).message}`);
      }
      if (start !== null) w.postMessage(start);
    });
    w.addEventListener('messageerror', () => onFault('a worker thread could not receive the shared memory'));
  };
  // NOTE: this exact form is what Vite follows to emit the worker script
  attach(() => new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'simdgrad' }));
  return {
    post: (m) => {
      start = m;
      w.postMessage(m);
    },
    terminate: () => w.terminate(),
  };
}

/** Atomics.wait throws on a browser window's main thread. */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}
