// init(): the error before it, feature detection, idempotence, options.
import * as sg from 'simdgrad';
import { describe, expect, it, vi } from 'vitest';

describe('init', () => {
  it('any tensor call before init says to await init() first', () => {
    expect(() => sg.zeros([2])).toThrow(sg.SimdgradError);
    expect(() => sg.tensor([1])).toThrow(/await init\(\)/);
    expect(() => sg.backend()).toThrow(/await init\(\)/);
    expect(() => sg.memory()).toThrow(/await init\(\)/);
  });

  it('a runtime without wasm SIMD gets an error naming the feature', async () => {
    const spy = vi.spyOn(WebAssembly, 'validate').mockReturnValue(false);
    await expect(sg.init()).rejects.toThrow(/SIMD/);
    await expect(sg.init()).rejects.toBeInstanceOf(sg.SimdgradError);
    spy.mockRestore();
  });

  it('rejects bad options with a SimdgradError', async () => {
    await expect(sg.init({ simd: 'avx' as never })).rejects.toThrow(/init: simd must be/);
    await expect(sg.init({ module: {} as never })).rejects.toThrow(/init: module must be a WebAssembly.Module/);
    await expect(sg.init({ maxMemoryBytes: -1 })).rejects.toThrow(/maxMemoryBytes/);
    await expect(
      sg.init({ module: new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])) }),
    ).rejects.toThrow(/not a simdgrad kernel module/);
  });

  it('is idempotent and reports the build running', async () => {
    await Promise.all([sg.init(), sg.init()]);
    const b = sg.backend();
    expect(b).toBe('relaxed-simd'); // vitest runs node with --experimental-wasm-relaxed-simd
    await sg.init();
    await sg.init({ simd: 'auto' });
    expect(sg.backend()).toBe(b);
    await expect(sg.init({ simd: 'simd128' })).rejects.toThrow(/already initialized with the relaxed-simd build/);
    expect(sg.add(sg.ones([2]), 1).toArray()).toEqual([2, 2]);
  });
});
