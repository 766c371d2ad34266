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
  /**
   * Split calls whose calling thread waited on a worker that held a share
   * without running it (more runnable threads than cores: a busy neighbour);
   * after each, calls run on the calling thread for a short, growing back-off.
   */
  stalls: number;
  /** Why threads were turned off, if they were (a worker that could not start). */
  disabled: string | null;
}
