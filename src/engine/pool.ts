// SPDX-License-Identifier: MIT
// The worker pool: threads − 1 workers over the engine's shared memory, each
// with its own kernel instance, slot and GEMM scratch. run() publishes a kernel
// call's shares (slot.ts), wakes the ready workers and claims shares itself
// until none is left, so shares a slow or starved worker never picked up run on
// the calling thread; then it waits for the shares in progress (a short spin,
// then Atomics.wait in slices; a browser window's main thread, which cannot
// block, only spins) with a bound, so a dead worker is an error, never a hang. Workers start at the first call
// big enough to use them (or startThreads()); until a worker is READY the
// calling thread does its share. A fault (a worker that exits, fails or does not
// finish) tears the pool down: the next call throws a SimdgradError saying why
// and later calls start fresh workers. Idle workers never keep a process alive.

import { SimdgradError } from '../errors.js';
import { ARGS_WORDS, claim } from './claim.js';
import type { Heap } from './heap.js';
import { type ProfileSnapshot, SplitProfile } from './profile.js';
import {
  DIE,
  DONE,
  ERR,
  FN,
  HEADER_BYTES,
  MAX_ARGS,
  NARGS,
  NEXT,
  NPARTS,
  PART_BYTES,
  QUIT,
  READY,
  SLEPT,
  SLOT_BYTES,
  SPIN_US,
  SPUN,
  STATE,
  WAKE,
  type WorkerStart,
  WS_ARG,
} from './slot.js';
import type { PoolStats } from './stats.js';
import type { ThreadHost, WorkerHandle } from './threads.js';

/**
 * An idle worker spins this long for the next call before it sleeps: long enough
 * to bridge the gaps between the kernel calls of a training step (with 0.2 ms,
 * measured: half the calls on Node and 95% on Deno found the worker asleep and
 * paid the wake-up; with 2 ms, 2%), short enough that an idle process stops
 * burning a core at once. With more threads than cores, spinning takes the CPU
 * the other threads need: then a short spin.
 */
const WORKER_SPIN_MS = 2;
const OVERSUBSCRIBED_SPIN_MS = 0.2;
/** The calling thread spins this long for the workers before it sleeps. */
const CALLER_SPIN_MS = 2;
/** A worker gets at least this long, and 100× the calling thread's share time, to finish its share. */
const WAIT_MIN_MS = 15000;
const WAIT_FACTOR = 100;

/**
 * How a GEMM is cut into row shares (split.ts rowCuts): 0, guided shares (each
 * about the rows left ÷ 2 × threads, so the last ones are small); n > 0, n equal
 * shares per thread (the tests' hook: bench/splitab.mjs --per). Shares are
 * claimed as threads come free, so a thread slowed by a neighbour (another
 * process, or a busy sibling of its core under a hypervisor) simply takes fewer,
 * where one share per thread left the other thread waiting; guided shares also
 * shorten the wait for the last one. MAX_PER_THREAD bounds the shares' argument block.
 */
export const PER_THREAD = 0;
export const MAX_PER_THREAD = 8;

/** Pool.mode: split by the thresholds, split every call, or split none (threshold measurements: bench/thresholds.mjs). */
export const SPLIT_AUTO = 0;
export const SPLIT_ALL = 1;
export const SPLIT_NONE = 2;

export class Pool {
  readonly size: number;
  readonly names: string[];
  private readonly index = new Map<string, number>();
  private readonly fns: ((...a: number[]) => void)[];
  private slots: number[] = [];
  private header = 0;
  private argsBlock = 0;
  private seq = 0;
  /** GEMM scratch per share: ws[0] is the calling thread's. */
  readonly ws: number[];
  private workers: (WorkerHandle | null)[] = [];
  /** Workers were started (and not torn down since). */
  started = false;
  private everReady = false;
  private fault: string | null = null;
  disabled: string | null = null;
  private readyCount = 0;
  parallelCalls = 0;
  mode = SPLIT_AUTO;
  /** GEMM row shares: 0 guided, n > 0 n equal per thread (PER_THREAD; the tests' hook may change it: bench/threads.mjs --per). */
  perThread = PER_THREAD;
  /** Shares one call may publish: linear_bwd's dX shares, then its dW shares, MAX_PER_THREAD each per thread. */
  private readonly maxParts: number;
  /** The number of the last split GEMM call (gemm_ws_set_call), never 0. */
  private call = 0;
  private readonly setCall: ((ws: number, call: number) => void) | null;
  private buf: ArrayBufferLike | null = null;
  private i32 = new Int32Array(0);
  private f64 = new Float64Array(0);
  private waitMinMs = WAIT_MIN_MS;
  /** The split calls' profile, once the tests' hook turned it on (profile.ts). */
  private prof: SplitProfile | null = null;

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
    this.maxParts = 2 * threads * MAX_PER_THREAD;
    this.names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    for (const [i, n] of this.names.entries()) this.index.set(n, i);
    this.fns = this.names.map((n) => exports[n] as (...a: number[]) => void);
    this.setCall = (exports.gemm_ws_set_call as ((ws: number, call: number) => void) | undefined) ?? null;
    this.ws = [callerWs];
    for (let w = 1; w < threads; w++) this.ws.push(newWs());
    this.allocSlots();
    // Fault-injection hook for the tests (test/threads/child.mjs): a function set
    // under this symbol before init receives ways to terminate one worker, or to
    // make it exit in the middle of a call.
    const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('simdgrad.testPool')];
    if (typeof hook === 'function') {
      hook({
        terminate: (w: number) => this.workers[w]?.terminate(),
        // worker w exits right after it claims its next share, so the call it was running never completes
        dieMidCall: (w: number) => {
          this.views();
          Atomics.store(this.i32, (this.slots[w] >> 2) + DIE, 1);
        },
        // a shorter bound on the wait for a worker's share, so such a test need not wait 15 s
        spinMs: (ms: number) => {
          this.views();
          Atomics.store(this.i32, (this.header >> 2) + SPIN_US, Math.round(ms * 1000));
        },
        splitMode: (mode: 'auto' | 'all' | 'none') => {
          this.mode = mode === 'all' ? SPLIT_ALL : mode === 'none' ? SPLIT_NONE : SPLIT_AUTO;
        },
        perThread: (n: number) => {
          this.perThread = Math.max(0, Math.min(MAX_PER_THREAD, Math.floor(n)));
        },
        waitMinMs: (ms: number) => {
          this.waitMinMs = ms;
        },
        // per-kernel profile of split calls (bench/splitprofile.mjs): a function that reads it so far
        profile: () => {
          this.prof ??= new SplitProfile();
          return () => this.profile();
        },
      });
    }
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
   * Runs kernel `fn` once per share in `parts` (argument `wsAt` of each replaced
   * by the running thread's GEMM scratch; −1: none), on the ready workers and the
   * calling thread; returns when every share is done.
   */
  run(fn: number, parts: number[][], wsAt: number): void {
    const n = parts.length;
    this.views();
    const i32 = this.i32;
    const f64 = this.f64;
    const h = this.header >> 2;
    // close the finished job so no late claim can take a share of the one being written
    Atomics.store(i32, h + NEXT, (this.seq << 16) | 0xffff);
    this.seq = (this.seq + 1) & 0x7fff;
    const nargs = parts[0].length;
    if (nargs > MAX_ARGS || n > this.maxParts) throw new Error('simdgrad internal error: job too large');
    for (let p = 0; p < n; p++) {
      const at = (this.argsBlock >> 3) + p * ARGS_WORDS;
      for (let i = 0; i < nargs; i++) f64[at + i] = parts[p][i];
    }
    i32[h + NPARTS] = n;
    i32[h + FN] = fn;
    i32[h + NARGS] = nargs;
    i32[h + WS_ARG] = wsAt;
    Atomics.store(i32, h + DONE, 0);
    Atomics.store(i32, h + ERR, 0);
    // a GEMM call gets a fresh number in every thread's scratch: its shares on one thread pack B once
    const gemm = wsAt >= 0 && this.setCall !== null;
    if (gemm) {
      this.call = (this.call % 0x7ffffffe) + 1;
      for (const ws of this.ws) this.setCall(ws, this.call);
    }
    Atomics.store(i32, h + NEXT, this.seq << 16);
    Atomics.add(i32, h + WAKE, 1);
    Atomics.notify(i32, h + WAKE);
    const t0 = performance.now();
    let mine = 0;
    for (let p = claim(i32, h); p >= 0; p = claim(i32, h)) {
      const args = parts[p];
      if (wsAt >= 0) args[wsAt] = this.ws[0];
      this.fns[fn](...args);
      Atomics.add(i32, h + DONE, 1);
      mine++;
    }
    if (mine < n) this.parallelCalls++;
    const t1 = performance.now();
    const limit = Math.max(this.waitMinMs, WAIT_FACTOR * (t1 - t0));
    try {
      this.wait(n, t0, limit);
    } finally {
      if (gemm) this.setCall(this.ws[0], 0); // the calling thread's scratch also serves unsplit calls: no reuse there
    }
    this.prof?.record(this.names[fn], n, mine, t0, t1, performance.now());
  }

  /** The profile so far, with how each worker found its jobs (its slot's counters). */
  private profile(): ProfileSnapshot | null {
    this.views();
    const workers = this.slots.map((at) => ({ spun: this.i32[(at >> 2) + SPUN], slept: this.i32[(at >> 2) + SLEPT] }));
    return this.prof?.snapshot(workers) ?? null;
  }

  /** Waits until `n` shares are done; a bounded wait, so a worker that died holding a share is a fault. */
  private wait(n: number, t0: number, limit: number): void {
    const i32 = this.i32;
    const h = this.header >> 2;
    let spun = false;
    for (;;) {
      const done = Atomics.load(i32, h + DONE);
      if (done >= n) break;
      const now = performance.now();
      if (now - t0 > limit) {
        const why = `a worker thread did not finish its share of a kernel call within ${Math.round(limit)} ms`;
        this.reset();
        throw new SimdgradError(`simdgrad: ${why}; the thread pool restarts at the next call`);
      }
      if (!spun && now - t0 < CALLER_SPIN_MS) continue;
      spun = true;
      if (this.host.canBlock) Atomics.wait(i32, h + DONE, done, 20);
    }
    if (Atomics.load(i32, h + ERR) !== 0) {
      throw new Error(`simdgrad internal error: kernel ${this.names[i32[h + FN]]} trapped in a worker thread`);
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

  /** The header, the shares' arguments and one slot per worker, zeroed. */
  private allocSlots(): void {
    const w = this.size - 1;
    const bytes = HEADER_BYTES + this.maxParts * PART_BYTES + w * SLOT_BYTES;
    const block = this.heap.alloc(bytes, 'init');
    this.heap.u8.fill(0, block, block + bytes);
    this.header = block;
    const spin = this.size > this.host.cores ? OVERSUBSCRIBED_SPIN_MS : WORKER_SPIN_MS;
    this.heap.i32[(block >> 2) + SPIN_US] = Math.round(spin * 1000);
    this.argsBlock = block + HEADER_BYTES;
    this.slots = [];
    for (let i = 0; i < w; i++) this.slots.push(this.argsBlock + this.maxParts * PART_BYTES + i * SLOT_BYTES);
    this.seq = 0;
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
        header: this.header,
        args: this.argsBlock,
        slot: this.slots[w],
        ws: this.ws[w + 1],
        names: this.names,
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
    const i = from === null ? -1 : this.workers.indexOf(from);
    if (i >= 0) this.workers[i] = null; // no longer counted as ready
  }

  /** Drops every worker; fresh slots and scratch, so a late write from one of them lands nowhere in use. */
  private reset(): void {
    this.stop();
    this.fault = null;
    this.started = false;
    this.readyCount = 0;
    this.allocSlots();
    for (let w = 1; w < this.size; w++) {
      // a reused block may hold anything: zero the header (tile, packed-B key) as a fresh one is
      this.ws[w] = this.newWs();
      this.heap.u8.fill(0, this.ws[w], this.ws[w] + 64);
    }
  }

  private stop(): void {
    this.views();
    for (let w = 0; w < this.workers.length; w++) {
      Atomics.store(this.i32, (this.slots[w] >> 2) + QUIT, 1);
      this.workers[w]?.terminate();
      this.workers[w] = null;
    }
    const h = this.header >> 2;
    Atomics.add(this.i32, h + WAKE, 1);
    Atomics.notify(this.i32, h + WAKE);
  }
}
