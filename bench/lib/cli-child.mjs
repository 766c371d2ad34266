// SPDX-License-Identifier: MIT
// Runs the built CLI (build/cli.js) on this process's arguments and, on exit,
// writes the process's CPU time (all its threads, workers included) to stderr as
// `CPU_S <seconds>`, for bench/npmstart.mjs, which must tell the CLI's own CPU
// time from other processes'.
import process from 'node:process';

const cli = new URL('../../build/cli.js', import.meta.url);
process.on('exit', () => {
  const u = process.cpuUsage();
  process.stderr.write(`\nCPU_S ${(u.user + u.system) / 1e6}\n`);
});
process.argv = [process.argv[0], cli.pathname, ...process.argv.slice(2)];
await import(cli.href);
