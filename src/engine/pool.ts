// SPDX-License-Identifier: MIT
// The worker pool: threads − 1 workers over the engine's shared memory, each
// with its own kernel instance, control slot and GEMM scratch. run() hands one
// share of a kernel call to each ready worker through its slot, computes share 0
// on the calling thread, then waits (a short spin, then Atomics.wait in slices;
// a browser window's main thread, which cannot block, only spins) with a bound,
// so a dead worker is an error, never a hang. Workers start at the first call
// big enough to use them (or startThreads()); until a worker is READY the
// calling thread does its share. A fault (a worker that exits, fails or does not
// finish) tears the pool down: the next call throws a SimdgradError saying why
// and later calls start fresh workers. Idle workers never keep a process alive.

import { SimdgradError } from '../errors.js';
import type { Heap } from './heap.js';
import {
  ARGS,
  DONE,
  FN,
  GO,
  MAX_ARGS,
  NARGS,
  QUIT,
  READY,
  SLOT_BYTES,
  STATE,
  STATUS,
  TRAPPED,
  type WorkerStart,
} from './slot.js';
import type { ThreadHost, WorkerHandle } from './threads.js';

/** An idle worker spins this long for the next call before it sleeps. */
const WORKER_SPIN_MS = 0.2;
/** The calling thread spins this long for the workers before it sleeps. */
const CALLER_SPIN_MS = 2;
/** A worker gets at least this long, and 100× the calling thread's share time, to finish its share. */
const WAIT_MIN_MS = 15000;
const WAIT_FACTOR = 100;

export interface PoolStats {
  /** Threads the engine computes with (the calling thread included). */
  threads: number;
  /** Workers ready now. */
  ready: number;
  /** Kernel calls split over more than one thread so far. */
  parallelCalls: number;
  /** Why threads were turned off, if they were (a worker that could not start). */
  disabled: string | null;
}

export class Pool {
  readonly size: number;
  readonly names: string[];
  private readonly index = new Map<string, number>();
  private readonly fns: ((...a: number[]) => void)[];
  private slots: number[] = [];
  /** GEMM scratch per share: ws[0] is the calling thread's. */
  readonly ws: number[];
  private workers: (WorkerHandle | null)[] = [];
  private gens: number[];
  private started = false;
  private everReady = false;
  private fault: string | null = null;
  disabled: string | null = null;
  private readyCount = 0;
  parallelCalls = 0;
  private buf: ArrayBufferLike | null = null;
  private i32 = new Int32Array(0);
  private f64 = new Float64Array(0);

  constructor(
    private readonly host: ThreadHost,
    private readonly module: WebAssembly.Module,
    private readonly heap: Heap,
    exports: Record<string, unknown>,
    threads: number,
    callerWs: number,
    private readonly newWs: () => number,
  ) {
    this.size = threads;
    this.names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    for (const [i, n] of this.names.entries()) this.index.set(n, i);
    this.fns = this.names.map((n) => exports[n] as (...a: number[]) => void);
    this.ws = [callerWs];
    for (let w = 1; w < threads; w++) this.ws.push(newWs());
    this.gens = new Array(threads - 1).fill(0);
    this.allocSlots();
    // Fault-injection hook for the tests (test/threads/child.mjs): a function set
    // under this symbol before init receives a way to terminate one worker.
    const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('simdgrad.testPool')];
    if (typeof hook === 'function') hook({ terminate: (w: number) => this.workers[w]?.terminate() });
  }

  /** The FN index of an export. */
  fn(name: string): number {
    const i = this.index.get(name);
    if (i === undefined) throw new Error(`simdgrad internal error: no kernel ${name}`);
    return i;
  }

  stats(): PoolStats {
    return {
      threads: this.disabled ? 1 : this.size,
      ready: this.countReady(),
      parallelCalls: this.parallelCalls,
      disabled: this.disabled,
    };
  }

  /**
   * How many shares a call may use now (1 + ready workers); starts the workers
   * on first use. Throws the pending fault, if any, before anything runs.
   */
  available(): number {
    if (this.fault !== null) {
      const why = this.fault;
      this.reset();
      throw new SimdgradError(`simdgrad: ${why}; this call was not run (the thread pool restarts at the next call)`);
    }
    if (this.disabled) return 1;
    if (!this.started) this.start();
    return 1 + (this.readyCount === this.size - 1 ? this.readyCount : this.countReady());
  }

  /** Starts every worker now; resolves once all are ready (or rejects with the reason they are not). */
  async startAll(timeoutMs = 30000): Promise<number> {
    this.available();
    const t0 = Date.now();
    while (this.countReady() < this.size - 1) {
      if (this.fault !== null || this.disabled) {
        this.available(); // throws the fault
        if (this.disabled) throw new SimdgradError(`startThreads: ${this.disabled}`);
      }
      if (Date.now() - t0 > timeoutMs) {
        throw new SimdgradError(`startThreads: the worker threads were not ready after ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    return this.size;
  }

  /**
   * Runs `parts[0]` on the calling thread and parts[1..] on ready workers, all
   * with kernel `fn`; returns when every share is done. parts.length ≤ available().
   */
  run(fn: number, parts: number[][]): void {
    const n = parts.length;
    this.views();
    const i32 = this.i32;
    const f64 = this.f64;
    const used: number[] = [];
    for (let w = 0; used.length < n - 1 && w < this.workers.length; w++) {
      const s = this.slots[w] >> 2;
      if (this.workers[w] === null || Atomics.load(i32, s + STATE) !== READY) continue;
      const args = parts[used.length + 1];
      if (args.length > MAX_ARGS) throw new Error('simdgrad internal error: too many kernel arguments');
      const a = (this.slots[w] + ARGS) >> 3;
      for (let i = 0; i < args.length; i++) f64[a + i] = args[i];
      i32[s + FN] = fn;
      i32[s + NARGS] = args.length;
      const gen = (this.gens[w] + 1) | 0;
      this.gens[w] = gen;
      Atomics.store(i32, s + GO, gen);
      Atomics.notify(i32, s + GO, 1);
      used.push(w);
    }
    const t0 = performance.now();
    // the calling thread's share; the remaining shares (if fewer workers were ready) too
    for (let p = used.length + 1; p < n; p++) this.fns[fn](...parts[p]);
    this.fns[fn](...parts[0]);
    if (used.length > 0) this.parallelCalls++;
    const limit = Math.max(WAIT_MIN_MS, WAIT_FACTOR * (performance.now() - t0));
    for (const w of used) this.wait(w, t0, limit);
  }

  private wait(w: number, t0: number, limit: number): void {
    const s = this.slots[w] >> 2;
    const i32 = this.i32;
    const gen = this.gens[w];
    let spun = false;
    for (;;) {
      const done = Atomics.load(i32, s + DONE);
      if (done === gen) break;
      const now = performance.now();
      if (now - t0 > limit) {
        this.fault = `worker thread ${w + 1} did not finish its share of a kernel call within ${Math.round(limit)} ms`;
        const why = this.fault;
        this.reset();
        throw new SimdgradError(`simdgrad: ${why}; the thread pool restarts at the next call`);
      }
      if (!spun && now - t0 < CALLER_SPIN_MS) continue;
      spun = true;
      if (this.host.canBlock) Atomics.wait(i32, s + DONE, done, 20);
    }
    if (Atomics.load(i32, s + STATUS) === TRAPPED) {
      throw new Error(`simdgrad internal error: kernel ${this.names[i32[s + FN]]} trapped in worker thread ${w + 1}`);
    }
  }

  private views(): void {
    const buf = this.heap.memory.buffer;
    if (buf !== this.buf) {
      this.buf = buf;
      this.i32 = new Int32Array(buf);
      this.f64 = new Float64Array(buf);
    }
  }

  private countReady(): number {
    if (!this.started) return 0;
    this.views();
    let c = 0;
    for (let w = 0; w < this.workers.length; w++) {
      if (this.workers[w] !== null && Atomics.load(this.i32, (this.slots[w] >> 2) + STATE) === READY) c++;
    }
    this.readyCount = c;
    if (c > 0) this.everReady = true;
    return c;
  }

  private allocSlots(): void {
    const block = this.heap.alloc((this.size - 1) * SLOT_BYTES, 'init');
    this.slots = [];
    for (let w = 0; w < this.size - 1; w++) this.slots.push(block + w * SLOT_BYTES);
    this.heap.u8.fill(0, block, block + (this.size - 1) * SLOT_BYTES);
  }

  private start(): void {
    this.started = true;
    this.workers = [];
    for (let w = 0; w < this.size - 1; w++) {
      let handle: WorkerHandle;
      try {
        handle = this.host.spawn((why) => this.onFault(handle, why));
      } catch (e) {
        this.onFault(null, `could not start a worker thread: ${(e as Error).message}`);
        return;
      }
      this.workers.push(handle);
      const msg: WorkerStart = {
        module: this.module,
        memory: this.heap.memory,
        slot: this.slots[w],
        names: this.names,
        spinMs: WORKER_SPIN_MS,
      };
      handle.post(msg);
    }
  }

  private onFault(from: WorkerHandle | null, why: string): void {
    if (from !== null && !this.workers.includes(from)) return; // an old worker, already dropped
    if (!this.everReady && this.countReady() === 0) {
      // never got going: run on the calling thread from now on
      this.disabled = `the worker threads could not start (${why})`;
      this.stop();
      return;
    }
    this.fault ??= why;
  }

  /** Drops every worker; fresh slots and scratch, so a late write from one of them lands nowhere in use. */
  private reset(): void {
    this.stop();
    this.fault = null;
    this.started = false;
    this.readyCount = 0;
    this.allocSlots();
    for (let w = 1; w < this.size; w++) this.ws[w] = this.newWs();
  }

  private stop(): void {
    this.views();
    for (let w = 0; w < this.workers.length; w++) {
      const s = this.slots[w] >> 2;
      Atomics.store(this.i32, s + QUIT, 1);
      this.gens[w] = (this.gens[w] + 1) | 0;
      Atomics.store(this.i32, s + GO, this.gens[w]);
      Atomics.notify(this.i32, s + GO);
      this.workers[w]?.terminate();
      this.workers[w] = null;
    }
  }
}
