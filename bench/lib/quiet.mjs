// SPDX-License-Identifier: MIT
// Is anyone else using the CPU? On Linux, the CPU time every process used
// (/proc/stat) minus this process's own (/proc/self/stat, all its threads),
// so a wall-clock sample that another process disturbed can be dropped: on a
// 2-core machine a neighbour that takes one core halves a 2-thread run, and a
// worker spinning for a share it cannot run makes it slower still. Elsewhere
// (no /proc) every sample counts as quiet.
import process from 'node:process';

const fs = process.getBuiltinModule?.('fs');
const TICK_MS = 10; // USER_HZ = 100 on Linux

function read(path) {
  try {
    return fs?.readFileSync(path, 'utf8') ?? null;
  } catch {
    return null;
  }
}

/** [busy ticks of every CPU, ticks of this process, ms], or null off Linux. */
function now() {
  const stat = read('/proc/stat');
  const self = read('/proc/self/stat');
  if (stat === null || self === null) return null;
  const f = stat.split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = f.reduce((a, b) => a + b, 0) - f[3] - f[4]; // less idle and iowait; steal counts as busy
  const s = self.slice(self.lastIndexOf(')') + 2).split(' ');
  return [busy, Number(s[11]) + Number(s[12]), performance.now()];
}

/** A mark to pass to others(). */
export function mark() {
  return now();
}

/** CPU other processes used since `m`, as a fraction of one core (0 off Linux). */
export function others(m) {
  const n = now();
  if (m === null || n === null) return 0;
  return ((n[0] - m[0] - (n[1] - m[1])) * TICK_MS) / Math.max(1, n[2] - m[2]);
}

/** Others' use above which a sample is dropped: a tenth of a core. */
export const QUIET = 0.1;

const nap = new Int32Array(new SharedArrayBuffer(4));

/** Waits (sleeping, up to `maxMs`) until other processes have used under QUIET for 50 ms; true if they did. */
export function awaitQuiet(maxMs = 5000) {
  const t0 = performance.now();
  while (performance.now() - t0 < maxMs) {
    const m = mark();
    Atomics.wait(nap, 0, 0, 50);
    if (others(m) < QUIET) return true;
  }
  return false;
}

/**
 * The samples `body()` returns that no other process disturbed: up to `maxTries`
 * tries, each after awaitQuiet, until `want` are kept or `budgetMs` has passed
 * (with `quiet: false` every sample counts and nothing is awaited).
 * → { samples, dropped }.
 */
export function quietSamples(body, { want, maxTries = 3 * want, budgetMs = Number.POSITIVE_INFINITY, quiet = true }) {
  const until = performance.now() + budgetMs;
  const samples = [];
  let dropped = 0;
  for (let t = 0; t < maxTries && samples.length < want && performance.now() < until; t++) {
    if (quiet) awaitQuiet(Math.min(2000, until - performance.now()));
    const m = mark();
    const s = body();
    if (!quiet || others(m) <= QUIET) samples.push(s);
    else dropped++;
  }
  return { samples, dropped };
}

/**
 * Median seconds per call of fn on the wall clock: calls batched so a sample lasts
 * ≥ targetMs, then `samples` samples that no other process disturbed
 * (quietSamples: up to 3 × samples tries within budgetMs; with `quiet: false`
 * every sample counts). → { sec, dropped }; sec is NaN when no sample was quiet.
 */
export function quietMedian(fn, { samples = 7, targetMs = 100, quiet = true, budgetMs = 30_000 } = {}) {
  const until = performance.now() + budgetMs;
  fn();
  let reps = 1;
  for (;;) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    const dt = performance.now() - t0;
    if (dt >= targetMs / 4 || reps >= 1 << 16) {
      reps = Math.max(1, Math.round((reps * targetMs) / Math.max(dt, 1e-3)));
      break;
    }
    reps *= 4;
  }
  const once = () => {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) fn();
    return (performance.now() - t0) / reps / 1000;
  };
  const { samples: ts, dropped } = quietSamples(once, { want: samples, budgetMs: until - performance.now(), quiet });
  ts.sort((a, b) => a - b);
  return { sec: ts.length ? ts[ts.length >> 1] : Number.NaN, dropped };
}
