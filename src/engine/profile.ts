// SPDX-License-Identifier: MIT
// A profile of the pool's split calls, for benches only (the tests' pool hook
// turns it on: bench/splitprofile.mjs): per kernel, how many calls were split,
// into how many shares, how many the calling thread ran itself, the time in
// run() and the time it then waited for the other threads' shares; and how long
// the engine was idle between split calls. Off, it costs one null check a call.

/** Per kernel: [split calls, shares, shares the calling thread ran, ms in run(), ms waiting after its own shares]. */
export type KernelProfile = [calls: number, shares: number, mine: number, ms: number, waitMs: number];

export interface ProfileSnapshot {
  kernels: Record<string, KernelProfile>;
  /** How each worker found its jobs: still spinning, or after it slept. */
  workers: { spun: number; slept: number }[];
  /** Gaps between split calls: < 0.1, < 0.5, < 2, < 10, ≥ 10 ms. */
  gaps: number[];
}

export class SplitProfile {
  private readonly kernels = new Map<string, KernelProfile>();
  private readonly gaps = [0, 0, 0, 0, 0];
  private lastEnd = 0;

  /** One split call of `name` in `shares` shares, `mine` of them on the calling thread: started t0, own shares done t1, all done t2. */
  record(name: string, shares: number, mine: number, t0: number, t1: number, t2: number): void {
    const gap = t0 - this.lastEnd;
    this.gaps[gap < 0.1 ? 0 : gap < 0.5 ? 1 : gap < 2 ? 2 : gap < 10 ? 3 : 4]++;
    this.lastEnd = t2;
    const r = this.kernels.get(name) ?? [0, 0, 0, 0, 0];
    this.kernels.set(name, [r[0] + 1, r[1] + shares, r[2] + mine, r[3] + t2 - t0, r[4] + t2 - t1]);
  }

  snapshot(workers: { spun: number; slept: number }[]): ProfileSnapshot {
    return { kernels: Object.fromEntries(this.kernels), workers, gaps: this.gaps.slice() };
  }
}
