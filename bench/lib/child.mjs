// SPDX-License-Identifier: MIT
// One bench child process under a given runtime, whose last line of output is
// its JSON result (bench/threads.mjs, thresholds.mjs, splitprofile.mjs).

import { spawnSync } from 'node:child_process';
import { runner } from '../coldstart.mjs';
import { errorLine } from './common.mjs';

/**
 * Runs `script …args` under runtime `rt` (node, node24, deno, bun) and returns
 * its last stdout line parsed as JSON; on a failure prints the runtime and its
 * error (the last `…Error: …` line of its stderr) and returns null.
 */
export function childJson(rt, script, args, timeout = 600_000) {
  const cmd = runner(rt);
  const p = spawnSync(cmd[0], [...cmd.slice(1), script, ...args], { encoding: 'utf8', timeout });
  try {
    return JSON.parse((p.stdout ?? '').trim().split('\n').at(-1) ?? '');
  } catch {
    // (an error thrown inside the minified bundle comes after its 200 KB source line, which a dying child may not finish writing)
    const status = p.error ? p.error.message : `exit status ${p.status}${p.signal ? `, ${p.signal}` : ''}`;
    console.log(`${rt}: failed: ${errorLine(p.stderr, status)}`);
    return null;
  }
}
