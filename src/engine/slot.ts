// SPDX-License-Identifier: MIT
// The layout of one worker's control slot in the shared wasm memory (a heap
// block the pool owns): the calling thread writes a kernel call and bumps GO;
// the worker runs it and sets DONE to the same generation. Shared by pool.ts
// (calling thread) and worker.ts (each worker).

/** Bytes per slot: its own 256 bytes, so two threads never write one cache line. */
export const SLOT_BYTES = 256;
/** i32 indices within a slot. */
export const GO = 0;
export const DONE = 1;
export const STATUS = 2;
export const FN = 3;
export const NARGS = 4;
export const STATE = 5;
export const QUIT = 6;
/** Byte offset of the f64 arguments within a slot, and how many fit. */
export const ARGS = 32;
export const MAX_ARGS = (SLOT_BYTES - ARGS) / 8;

/** STATE values. */
export const STARTING = 0;
export const READY = 1;
export const STOPPED = 2;
/** STATUS values. */
export const OK = 0;
export const TRAPPED = 1;

/** What the pool posts to a new worker (once). */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  /** Byte address of this worker's slot. */
  slot: number;
  /** Export names, indexed by FN. */
  names: string[];
  /** How long an idle worker spins before it sleeps in Atomics.wait, in ms. */
  spinMs: number;
}
