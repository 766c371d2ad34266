// The shared-memory builds derived in the bundle (shared.ts) are byte for byte
// the ones asc writes with --sharedMemory (build/*-shared.wasm).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SHARED_MAX_PAGES, sharedBuild } from '../src/engine/shared.js';

describe('sharedBuild', () => {
  it.each(['simd128', 'relaxed'])('%s: equals asc --sharedMemory output', (w) => {
    const plain = readFileSync(new URL(`../build/${w}.wasm`, import.meta.url));
    const shared = readFileSync(new URL(`../build/${w}-shared.wasm`, import.meta.url));
    expect(Buffer.compare(Buffer.from(sharedBuild(plain)), shared)).toBe(0);
  });

  it('declares shared memory with the 4 GiB maximum, and a module without memory import is refused', () => {
    const plain = readFileSync(new URL('../build/simd128.wasm', import.meta.url));
    const mod = new WebAssembly.Module(sharedBuild(plain));
    const memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
    expect(() => new WebAssembly.Instance(mod, { env: { memory } })).not.toThrow();
    expect(() => new WebAssembly.Instance(mod, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } })).toThrow(
      WebAssembly.LinkError,
    );
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    expect(() => sharedBuild(empty)).toThrow(/imports no memory/);
  });
});
