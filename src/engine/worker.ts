// SPDX-License-Identifier: MIT
// A kernel worker (build/worker.js): receives the kernel module and the shared
// memory once, instantiates its own instance over that memory, marks itself
// READY in its slot, then claims and runs shares of kernel calls (slot.ts) until
// told to quit. No message passing after start: it spins a little for the next
// job, then sleeps in Atomics.wait on WAKE. A kernel that traps sets ERR instead
// of killing the thread.

import {
  ARGS_WORDS,
  claim,
  DIE,
  DONE,
  ERR,
  FN,
  NARGS,
  QUIT,
  READY,
  SLEPT,
  SPIN_US,
  SPUN,
  STATE,
  STOPPED,
  WAKE,
  WS_ARG,
} from './claim.js';
import type { WorkerStart } from './slot.js';

type Port = { once(ev: 'message', f: (m: WorkerStart) => void): void; close(): void };
type G = {
  process?: { getBuiltinModule?: (id: string) => unknown; exit?: (code: number) => never };
  postMessage?: unknown;
  close?: () => void;
  addEventListener?: (ev: 'message', f: (e: { data: WorkerStart }) => void, o: { once: boolean }) => void;
};

// worker_threads (Node, Deno, Bun) first, else a web worker (browsers)
const g = globalThis as G;
const wt = g.process?.getBuiltinModule?.('worker_threads') as { parentPort?: Port | null } | undefined;
const port = wt?.parentPort;
if (port) port.once('message', (m) => void start(m).then(() => port.close()));
else if (typeof g.postMessage === 'function' && typeof g.addEventListener === 'function') {
  g.addEventListener('message', (e) => void start(e.data).then(() => g.close?.()), { once: true });
  (g.postMessage as (m: string) => void)('loaded'); // tells the page this script runs (threads.ts)
}

async function start(m: WorkerStart): Promise<void> {
  const instance = await WebAssembly.instantiate(m.module, { env: { memory: m.memory } });
  const fns = m.names.map((n) => instance.exports[n] as (...a: number[]) => void);
  let buf = m.memory.buffer;
  let i32 = new Int32Array(buf);
  let f64 = new Float64Array(buf);
  const h = m.header >> 2;
  const s = m.slot >> 2;
  Atomics.store(i32, s + STATE, READY);
  let seen = Atomics.load(i32, h + WAKE);
  const args: number[] = [];
  let slept = false;
  for (;;) {
    let wake = Atomics.load(i32, h + WAKE);
    if (wake === seen) {
      const t0 = performance.now();
      const spinMs = Atomics.load(i32, h + SPIN_US) / 1000;
      for (let n = 1; wake === seen; n++) {
        if ((n & 255) === 0 && performance.now() - t0 > spinMs) break;
        wake = Atomics.load(i32, h + WAKE);
      }
      if (wake === seen) {
        Atomics.wait(i32, h + WAKE, seen, 1000);
        slept = true;
        continue;
      }
    }
    seen = wake;
    Atomics.add(i32, s + (slept ? SLEPT : SPUN), 1);
    slept = false;
    if (Atomics.load(i32, s + QUIT) !== 0) break;
    if (m.memory.buffer.byteLength !== buf.byteLength) {
      // the memory grew: re-derive the views (never keep a stale SharedArrayBuffer view)
      buf = m.memory.buffer;
      i32 = new Int32Array(buf);
      f64 = new Float64Array(buf);
    }
    for (let part = claim(i32, h); part >= 0; part = claim(i32, h)) {
      if (Atomics.load(i32, s + DIE) !== 0) die(); // the tests' fault: exit holding a share
      const n = i32[h + NARGS];
      const at = (m.args >> 3) + part * ARGS_WORDS;
      args.length = n;
      for (let i = 0; i < n; i++) args[i] = f64[at + i];
      const wsAt = i32[h + WS_ARG];
      if (wsAt >= 0) args[wsAt] = m.ws;
      try {
        fns[i32[h + FN]](...args);
      } catch {
        Atomics.store(i32, h + ERR, 1);
      }
      Atomics.add(i32, h + DONE, 1);
      Atomics.notify(i32, h + DONE);
    }
  }
  Atomics.store(i32, s + STATE, STOPPED);
}

/** Ends this worker thread now (a fault the tests inject): process.exit in worker_threads, close() in a web worker. */
function die(): never {
  if (port) g.process?.exit?.(1);
  g.close?.();
  throw new Error('simdgrad worker: exiting (fault injected by a test)');
}
