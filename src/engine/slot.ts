// SPDX-License-Identifier: MIT
// The pool's control block in the shared wasm memory (heap blocks the pool owns),
// shared by pool.ts (the calling thread) and worker.ts (each worker). One job at
// a time: the calling thread writes the shares' arguments, publishes the job in
// NEXT, wakes the workers through WAKE, and every thread (itself included)
// claims shares with a compare-exchange on NEXT until none is left, so a worker
// that is slow to wake (a busy machine) costs nothing: its shares are taken by
// the others. DONE counts finished shares.

/** i32 indices in the header (256 bytes; the hot words on their own cache lines). */
export const WAKE = 0;
/** (job sequence << 16) | next unclaimed share. */
export const NEXT = 16;
export const DONE = 32;
export const ERR = 33;
export const NPARTS = 48;
export const FN = 49;
export const NARGS = 50;
/** Index of the argument each thread replaces with its own GEMM scratch (−1: none). */
export const WS_ARG = 51;
/** How long an idle worker spins for the next job before it sleeps in Atomics.wait, in µs. */
export const SPIN_US = 52;
export const HEADER_BYTES = 256;

/** Per-worker slot: i32 indices, SLOT_BYTES apart. */
export const STATE = 0;
export const QUIT = 1;
/** Set by the tests' fault hook (pool.ts): the worker exits right after it claims its next share. */
export const DIE = 2;
/** Jobs this worker found while spinning, and after sleeping in Atomics.wait (for profiles: bench/threads.mjs). */
export const SPUN = 3;
export const SLEPT = 4;
export const SLOT_BYTES = 64;

/** Arguments per share (f64 each), and the bytes of one share's arguments. */
export const MAX_ARGS = 24;
export const PART_BYTES = MAX_ARGS * 8;

/** STATE values. */
export const STARTING = 0;
export const READY = 1;
export const STOPPED = 2;

/** What the pool posts to a new worker (once). */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte addresses: the header, the shares' arguments, this worker's slot and GEMM scratch. */
  header: number;
  args: number;
  slot: number;
  ws: number;
  /** Export names, indexed by FN. */
  names: string[];
}
