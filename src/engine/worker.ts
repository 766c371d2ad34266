// SPDX-License-Identifier: MIT
// A kernel worker (build/worker.js): receives the kernel module and the shared
// memory once, instantiates its own instance over that memory, marks itself
// READY in its slot, then runs kernel calls from the slot until told to quit.
// No message passing after start: the calling thread writes a call into the
// slot and bumps GO; this thread spins a little, then sleeps in Atomics.wait.
// A kernel that traps reports TRAPPED instead of killing the thread.

import {
  ARGS,
  DONE,
  FN,
  GO,
  NARGS,
  OK,
  QUIT,
  READY,
  STATE,
  STATUS,
  STOPPED,
  TRAPPED,
  type WorkerStart,
} from './slot.js';

type Port = { once(ev: 'message', f: (m: WorkerStart) => void): void; close(): void };
type G = {
  process?: { getBuiltinModule?: (id: string) => unknown };
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
}

async function start(m: WorkerStart): Promise<void> {
  const instance = await WebAssembly.instantiate(m.module, { env: { memory: m.memory } });
  const fns = m.names.map((n) => instance.exports[n] as (...a: number[]) => void);
  let buf = m.memory.buffer;
  let i32 = new Int32Array(buf, m.slot, ARGS / 4);
  let f64 = new Float64Array(buf, m.slot + ARGS);
  Atomics.store(i32, STATE, READY);
  Atomics.notify(i32, STATE);
  let seen = Atomics.load(i32, GO);
  const args: number[] = [];
  for (;;) {
    let gen = Atomics.load(i32, GO);
    if (gen === seen) {
      const t0 = performance.now();
      for (let n = 1; gen === seen; n++) {
        if ((n & 255) === 0 && performance.now() - t0 > m.spinMs) break;
        gen = Atomics.load(i32, GO);
      }
      if (gen === seen) {
        Atomics.wait(i32, GO, seen, 1000);
        continue;
      }
    }
    seen = gen;
    if (Atomics.load(i32, QUIT) !== 0) break;
    if (m.memory.buffer.byteLength !== buf.byteLength) {
      // the memory grew: re-derive the views (never keep a stale SharedArrayBuffer view)
      buf = m.memory.buffer;
      i32 = new Int32Array(buf, m.slot, ARGS / 4);
      f64 = new Float64Array(buf, m.slot + ARGS);
    }
    const n = i32[NARGS];
    args.length = n;
    for (let i = 0; i < n; i++) args[i] = f64[i];
    let status = OK;
    try {
      fns[i32[FN]](...args);
    } catch {
      status = TRAPPED;
    }
    Atomics.store(i32, STATUS, status);
    Atomics.store(i32, DONE, gen);
    Atomics.notify(i32, DONE);
  }
  Atomics.store(i32, STATE, STOPPED);
  Atomics.notify(i32, DONE);
}
