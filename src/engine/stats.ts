// SPDX-License-Identifier: MIT
// The thread pool's public state (threadStats()), in a file of its own so the
// published types need nothing from the pool's internals.

/** What threadStats() reports. */
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
