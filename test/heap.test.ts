// Heap arithmetic around 2^31 and 2^32 bytes: size classes never wrap, blocks
// never overlap, and a request past the wasm32 limit is a SimdgradError that says
// memory. A stand-in memory (only byteLength and grow) lets these run without
// allocating gigabytes; test/bigmem.test.ts does the real 2 GiB allocation.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { Heap, MAX_BYTES, sizeClass } from '../src/engine/heap.js';
import { SimdgradError } from '../src/errors.js';

const PAGE = 65536;

/** A WebAssembly.Memory look-alike that only counts pages. */
function fakeMemory(pages: number): WebAssembly.Memory {
  let n = pages;
  const m = {
    get buffer() {
      return { byteLength: n * PAGE } as ArrayBuffer;
    },
    grow(delta: number) {
      if (n + delta > 65536) throw new RangeError('WebAssembly.Memory.grow(): Maximum memory size exceeded');
      const old = n;
      n += delta;
      return old;
    },
  };
  return m as unknown as WebAssembly.Memory;
}

const near = (center: number, radius: number) =>
  fc.integer({ min: Math.max(1, center - radius), max: center + radius });

describe('sizeClass', () => {
  test.prop([
    fc.oneof(near(2 ** 31, 4096), near(2 ** 32, 4096), near(2 ** 30, 4096), fc.integer({ min: 1, max: 2 ** 20 })),
  ])('covers the request plus 16 bytes of slack, 16-aligned, at most 25% over', (bytes) => {
    const c = sizeClass(bytes);
    expect(c).toBeGreaterThanOrEqual(bytes + 16);
    expect(c % 16).toBe(0);
    expect(c).toBeLessThanOrEqual(Math.max(64, (bytes + 32) * 1.25));
  });

  it('is exact at the boundaries that wrapped with 32-bit bit operators', () => {
    expect(sizeClass(2 ** 31)).toBeGreaterThan(2 ** 31);
    expect(sizeClass(2 ** 31 - 16)).toBeGreaterThanOrEqual(2 ** 31);
    expect(sizeClass(2 ** 32 - 64)).toBeGreaterThanOrEqual(2 ** 32 - 48);
  });
});

describe('Heap near the wasm32 limit', () => {
  test.prop([
    fc.array(fc.oneof(near(2 ** 29, 64), near(2 ** 30, 64), fc.integer({ min: 1, max: 4096 })), { maxLength: 12 }),
  ])('blocks never overlap and never end past 4 GiB; past it a SimdgradError saying memory', (sizes) => {
    const heap = new Heap(fakeMemory(1), 1024);
    const blocks: [number, number][] = [];
    for (const bytes of sizes) {
      let ptr: number;
      try {
        ptr = heap.alloc(bytes, 'zeros');
      } catch (e) {
        expect(e).toBeInstanceOf(SimdgradError);
        expect((e as Error).message).toMatch(/^zeros: out of memory: requested \d+ bytes/);
        const used = blocks.reduce((s, [, b]) => s + b, 0);
        expect(used + bytes).toBeGreaterThan(MAX_BYTES * 0.6); // only fails when memory really is short
        continue;
      }
      expect(ptr % 16).toBe(0);
      expect(ptr + bytes + 16).toBeLessThanOrEqual(MAX_BYTES);
      for (const [p, b] of blocks) expect(ptr + bytes <= p || p + b <= ptr).toBe(true);
      blocks.push([ptr, bytes]);
    }
  });

  it('2 GiB then a small block: the small one lands after the big one', () => {
    const heap = new Heap(fakeMemory(1), 1024);
    const big = heap.alloc(2 ** 31, 'full');
    const small = heap.alloc(80, 'tensor');
    expect(small).toBeGreaterThanOrEqual(big + 2 ** 31 + 16);
  });

  it('4 GiB or more: out of memory, and the heap is unchanged', () => {
    const heap = new Heap(fakeMemory(1), 1024);
    for (const bytes of [2 ** 32, 2 ** 32 - 16, 2 ** 33, 2 ** 40])
      expect(() => heap.alloc(bytes, 'zeros')).toThrow(
        /zeros: out of memory: requested \d+ bytes.*limit is 4294967296/,
      );
    expect(heap.alloc(64, 'zeros')).toBe(1024);
  });

  it('a runtime that refuses to grow: out of memory, not a RangeError', () => {
    const mem = fakeMemory(1);
    mem.grow = () => {
      throw new RangeError('WebAssembly.Memory.grow(): Out of memory');
    };
    const heap = new Heap(mem, 1024);
    expect(() => heap.alloc(2 ** 20, 'ones')).toThrow(SimdgradError);
    expect(() => heap.alloc(2 ** 20, 'ones')).toThrow(/ones: out of memory/);
  });
});
