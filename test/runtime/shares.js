// Did a worker compute a share of some call? The workload's calls are split over
// the threads, but on a busy machine a worker may not be scheduled in time for
// any of them: the calling thread then runs every share itself (same bits), and
// threadStats().parallelCalls stays 0. So, after the workload, run more split
// products (the same size as the bundler apps') with short pauses between until a
// worker has taken a share, for at most about 3 s; the tests then check
// parallelCalls > 0, which proves the workers compute, without depending on the
// scheduler's timing during the workload.

/** threadStats() once a worker has taken a share of a call (or the tries ran out). */
export async function untilParallel(sg, tries = 150) {
  if (sg.threads() < 2) return sg.threadStats();
  const a = sg.randn([256, 300], { seed: 1 });
  const b = sg.randn([300, 200], { seed: 2 });
  for (let i = 0; i < tries && sg.threadStats().parallelCalls === 0; i++) {
    sg.matmul(a, b).dispose();
    await new Promise((r) => setTimeout(r, 20));
  }
  a.dispose();
  b.dispose();
  return sg.threadStats();
}
