// SPDX-License-Identifier: MIT
// The bare-runtime baseline of the cold-start bench: a module that only reports
// the CPU time its process used (as bench/cold.mjs does after its inference).
import process from 'node:process';

const u = process.cpuUsage();
console.log(JSON.stringify({ cpuMs: (u.user + u.system) / 1000 }));
