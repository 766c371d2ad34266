// SPDX-License-Identifier: MIT
// The shared-memory kernel builds, derived from the inlined ones: asc's
// --sharedMemory output differs from the plain build only in the memory import
// (limits flag 0x03 = shared with a maximum; test/threads.test.ts checks the
// derived bytes equal build/*-shared.wasm), so the bundle inlines each build once
// and rewrites that one import when threads are on.

/** Pages the shared builds declare as their maximum (4 GiB, the wasm32 limit). */
export const SHARED_MAX_PAGES = 65536;

function readU32(b: Uint8Array, at: number): [number, number] {
  let v = 0;
  let shift = 0;
  for (;;) {
    const byte = b[at++];
    v += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return [v, at];
    shift += 7;
  }
}

function u32(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) byte |= 0x80;
    out.push(byte);
  } while (v > 0);
  return out;
}

function skipName(b: Uint8Array, at: number): number {
  const [len, p] = readU32(b, at);
  return p + len;
}

/**
 * The bytes of `plain` with its imported memory declared shared, minimum kept,
 * maximum SHARED_MAX_PAGES. Throws if the module imports no memory.
 */
export function sharedBuild(plain: Uint8Array): Uint8Array<ArrayBuffer> {
  let at = 8;
  while (at < plain.length) {
    const id = plain[at];
    const [size, body] = readU32(plain, at + 1);
    const end = body + size;
    if (id === 2) {
      let [count, p] = readU32(plain, body);
      for (; count > 0; count--) {
        p = skipName(plain, skipName(plain, p));
        const kind = plain[p++];
        if (kind === 2) {
          const flags = plain[p];
          const [min, afterMin] = readU32(plain, p + 1);
          const limitsEnd = flags & 1 ? readU32(plain, afterMin)[1] : afterMin;
          const limits = [0x03, ...u32(min), ...u32(SHARED_MAX_PAGES)];
          const section = [...plain.subarray(body, p), ...limits, ...plain.subarray(limitsEnd, end)];
          const out = [...plain.subarray(0, at), 2, ...u32(section.length), ...section];
          const result = new Uint8Array(out.length + plain.length - end);
          result.set(out);
          result.set(plain.subarray(end), out.length);
          return result;
        }
        if (kind === 0)
          p = readU32(plain, p)[1]; // a function import: its type index
        else throw new Error('simdgrad internal error: unexpected import kind in a kernel build');
      }
    }
    at = end;
  }
  throw new Error('simdgrad internal error: the kernel build imports no memory');
}
