// SPDX-License-Identifier: MIT
// Claiming one share of the current job (slot.ts): a compare-exchange on NEXT,
// which carries the job's sequence number, so a thread that read a finished
// job's state can never claim a share of the next one by mistake.

import { NEXT, NPARTS, PART_BYTES } from './slot.js';

export { DIE, DONE, ERR, FN, NARGS, QUIT, READY, SLEPT, SPIN_US, SPUN, STATE, STOPPED, WAKE, WS_ARG } from './slot.js';

/** f64 words per share's arguments. */
export const ARGS_WORDS = PART_BYTES / 8;

/** The index of a share this thread now owns, or −1 when every share of the job is taken. */
export function claim(i32: Int32Array, h: number): number {
  for (;;) {
    const w = Atomics.load(i32, h + NEXT);
    const i = w & 0xffff;
    if (i >= Atomics.load(i32, h + NPARTS)) {
      if (Atomics.load(i32, h + NEXT) === w) return -1;
      continue; // a new job was published meanwhile
    }
    if (Atomics.compareExchange(i32, h + NEXT, w, w + 1) === w) return i;
  }
}
