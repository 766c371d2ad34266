// SPDX-License-Identifier: MIT
// TensorFlow.js 4.22's threaded-SIMD wasm build (XNNPACK on emscripten pthreads)
// in Node, the GEMM table's threaded peer. tfjs switches it off in Node, and as
// shipped it cannot start there; three patches, made at run time in this process
// only (node_modules is never edited), make it run. The patches to globals (2
// and 3) are undone once the backend is up; the pthread workers, started by
// then, keep running.
//
// 1. The threads flag. tfjs answers WASM_HAS_MULTITHREAD_SUPPORT = false whenever
//    IS_NODE (its dist/flags_wasm.js, a TODO to enable Node once an upstream
//    bug is fixed), so init() loads tfjs-backend-wasm-simd.wasm. Setting the flag
//    makes it load tfjs-backend-wasm-threaded-simd.wasm through the threaded
//    emscripten factory.
// 2. The core count. The C++ backend caps its pthreadpool at
//    emscripten_num_logical_cores() / 2 ("many x86-64 processors have 2 threads
//    per core"), and in Node the glue answers that with os.cpus().length. On a
//    2-core machine that is 1 thread whatever setThreadsCount() asks
//    (getThreadsCount() = 1 without this patch). While the backend initialises,
//    os.cpus() lists every CPU twice, so the cap is the machine's core count.
// 3. The pthread workers. The glue starts each of its 8 pool workers with
//    `new Worker(blob: URL of the worker source)` and then sends each one the
//    main script as a Blob, which the worker loads by URL.createObjectURL and
//    importScripts (fs.readFileSync). Node's worker_threads.Worker takes no
//    blob: URL and readFileSync cannot read one; and that main script is only the
//    factory's text, without the module-scope names of tfjs's rollup bundle that
//    the factory uses (require$$0 = fs, require$$1 = path, require$$3 = perf_hooks,
//    require$$4 = os, commonjsGlobal). So: Blob keeps its text (under a symbol),
//    URL.createObjectURL maps each URL to that text, and the global Worker (the
//    glue assigns it worker_threads.Worker; the assignment is ignored) is a
//    worker_threads.Worker started from the worker source with `eval`, with
//    importScripts taking source text, whose 'load' message carries the main
//    script as text with those names declared in front. Deno's worker global
//    has getter-only self, location, postMessage and performance, which the
//    worker source assigns: they become writable own properties first.
//
// With these, it runs in Node 20, Node 24, Deno and Bun. loadThreadedTfjs()
// throws when the backend ends up with fewer threads than asked
// (getThreadsCount()), so a single-threaded run is never reported as the
// threaded peer.

import os from 'node:os';
import { Worker as NodeWorker } from 'node:worker_threads';

/** What the factory text sent to the workers needs from the bundle's module scope (patch 3). */
const BUNDLE_SCOPE =
  "var require$$0 = require('fs'), require$$1 = require('path'), require$$3 = require('perf_hooks'), " +
  "require$$4 = require('os'), commonjsGlobal = globalThis, _scriptDir = undefined;\n";

/** Makes the worker globals the worker source assigns writable (Deno's are getters; patch 3). */
const WRITABLE_GLOBALS =
  "for (const k of ['self', 'location', 'postMessage', 'performance']) " +
  'Object.defineProperty(globalThis, k, { value: globalThis[k], writable: true, configurable: true });\n';

/** Where a patched Blob keeps its text (patch 3). */
const TEXT = Symbol('text');

/** Patches 2 and 3 on this process's globals; returns the function that undoes them. */
function patchGlobals() {
  const saved = {
    Blob: globalThis.Blob,
    createObjectURL: URL.createObjectURL,
    cpus: os.cpus,
    Worker: Object.getOwnPropertyDescriptor(globalThis, 'Worker'),
  };
  const cpus = saved.cpus;
  os.cpus = () => {
    const c = cpus.call(os);
    return [...c, ...c];
  };
  class TextBlob extends saved.Blob {
    constructor(parts = [], options) {
      super(parts, options);
      if (parts.every((p) => typeof p === 'string')) this[TEXT] = parts.join('');
    }
  }
  const texts = new Map();
  URL.createObjectURL = (blob) => {
    const url = saved.createObjectURL.call(URL, blob);
    if (typeof blob?.[TEXT] === 'string') texts.set(url, blob[TEXT]);
    return url;
  };
  class PthreadWorker extends NodeWorker {
    constructor(url) {
      const source = texts.get(String(url));
      if (source === undefined) throw new Error(`tfjs threaded: no worker source for ${url}`);
      super(`${WRITABLE_GLOBALS}${source}\nglobalThis.importScripts = (text) => (0, eval)(text);`, { eval: true });
    }
    postMessage(msg, transfer) {
      if (msg?.cmd === 'load' && typeof msg.urlOrBlob?.[TEXT] === 'string') {
        msg = { ...msg, urlOrBlob: BUNDLE_SCOPE + msg.urlOrBlob[TEXT] };
      }
      return super.postMessage(msg, transfer);
    }
  }
  globalThis.Blob = TextBlob;
  Object.defineProperty(globalThis, 'Worker', { configurable: true, get: () => PthreadWorker, set() {} });
  return () => {
    os.cpus = saved.cpus;
    globalThis.Blob = saved.Blob;
    URL.createObjectURL = saved.createObjectURL;
    if (saved.Worker) Object.defineProperty(globalThis, 'Worker', saved.Worker);
    else delete globalThis.Worker;
  };
}

/**
 * tfjs-core on the threaded wasm backend with `threads` XNNPACK threads (the
 * calling thread included) → { tf, threads: getThreadsCount() }. Once per process:
 * tfjs initialises a backend once. Throws, saying why, when it cannot run or runs
 * with fewer threads than asked.
 */
export async function loadThreadedTfjs(threads) {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true); // patch 1
  wasm.setThreadsCount(threads);
  const undo = patchGlobals();
  try {
    if (!(await tf.setBackend('wasm'))) throw new Error("tf.setBackend('wasm') failed");
    await tf.ready();
  } finally {
    undo();
  }
  const got = wasm.getThreadsCount();
  if (got < threads) {
    throw new Error(`tfjs threaded wasm runs ${got} thread(s), not ${threads} (getThreadsCount())`);
  }
  return { tf, threads: got };
}
