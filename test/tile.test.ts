// The GEMM register tile (src/engine/tile.ts): chosen by timing each candidate
// on the engine's scratch, or forced by init({ tile }). Speed only: the bits are
// checked tile against tile in assembly/__tests__/gemm.spec.ts, here through
// the engine (every forced tile gives the golden digest of the runtime workload,
// which covers matmul, Linear, MLP training), and across runtimes by
// test/runtime. No timing is
// asserted: the fake clock below decides which tile is "fastest".
import * as sg from 'simdgrad';
import { describe, expect, it } from 'vitest';
import { GEMM_TILES, type GemmTile, TileTuner, TURNS, tileRows } from '../src/engine/tile.js';
import golden from './runtime/golden/simd128.json' with { type: 'json' };
import { runNode } from './runtime/runners.mjs';

/** Kernels whose tile calls advance a fake clock by flops / speed, speed per rows; rows set are recorded. */
function fake(speed: Record<number, number>, { tick = 1e-6, inc = 1e-7, frozen = false, slowFirst = 0 } = {}) {
  let t = 0;
  const set: number[] = [];
  const calls: Record<number, number> = { 4: 0, 5: 0, 6: 0 };
  const k = {
    gemm_ws_set_tile(_ws: number, rows: number) {
      set.push(rows);
      return rows;
    },
    gemm_tile_time(_ws: number, rows: number, kc: number, reps: number) {
      calls[rows]++;
      // The first `slowFirst` calls of each tile run "baseline code", 4× slower.
      const s = calls[rows] <= slowFirst ? speed[rows] / 4 : speed[rows];
      if (!frozen) t += (2 * reps * 16 * rows * 8 * kc) / (s * 1e6);
      return rows;
    },
  };
  const now = () => {
    if (!frozen) t += inc;
    return Math.floor(t / tick) * tick;
  };
  return { k, now, set, calls };
}

describe('TileTuner', () => {
  it('keeps the fastest candidate, with the timings that chose it', () => {
    for (const [fastest, speed] of [
      ['4x8', { 4: 30, 5: 25, 6: 20 }],
      ['5x8', { 4: 20, 5: 31, 6: 30 }],
      ['6x8', { 4: 20, 5: 25, 6: 26 }],
    ] as const) {
      const f = fake(speed);
      const tuner = new TileTuner(f.k, 64, f.now);
      const c = tuner.finish();
      expect(c).toMatchObject({ tile: fastest, by: 'measured', final: true, turns: TURNS });
      for (const t of GEMM_TILES) expect(c.gflops[t]).toBeCloseTo(speed[tileRows(t) as 4 | 5 | 6], 0);
      expect(f.set.at(-1)).toBe(tileRows(fastest));
      expect(c.ms).toBeGreaterThan(0);
    }
  });

  it('is not fooled by baseline code: a tile slow in its first turns still wins once optimized', () => {
    const f = fake({ 4: 20, 5: 25, 6: 28 }, { slowFirst: 20 });
    const tuner = new TileTuner(f.k, 64, f.now);
    for (let i = 0; i < 10; i++) tuner.turn();
    expect(tuner.choice().final).toBe(false);
    expect(tuner.finish().tile).toBe('6x8');
  });

  it('runs one turn per turn() until TURNS, then nothing', () => {
    const f = fake({ 4: 20, 5: 25, 6: 20 });
    const tuner = new TileTuner(f.k, 64, f.now);
    expect(tuner.choice()).toMatchObject({ tile: '5x8', by: 'measured', final: false, turns: 0 });
    tuner.turn();
    expect(tuner.choice().turns).toBe(1);
    tuner.turn();
    expect(tuner.choice().turns).toBe(2);
    expect(f.calls).toEqual({ 4: 2, 5: 2, 6: 2 });
    tuner.finish();
    tuner.turn();
    expect(f.calls).toEqual({ 4: TURNS, 5: TURNS, 6: TURNS });
  });

  it('reads no clock and times nothing until the first turn (init and batch-1 calls pay nothing)', () => {
    const f = fake({ 4: 20, 5: 25, 6: 30 });
    let reads = 0;
    const tuner = new TileTuner(f.k, 64, () => {
      reads++;
      return f.now();
    });
    expect(reads).toBe(0);
    expect(f.calls).toEqual({ 4: 0, 5: 0, 6: 0 });
    expect(f.set).toEqual([5]); // the default is in the ws header meanwhile
    expect(tuner.choice()).toMatchObject({ tile: '5x8', final: false, turns: 0 });
    tuner.turn();
    expect(reads).toBeGreaterThan(0);
  });

  it('keeps the default 5×8 and says why when the clock is too coarse or stopped', () => {
    const coarse = fake({ 4: 30, 5: 20, 6: 20 }, { tick: 0.1, inc: 0.001 });
    const c = new TileTuner(coarse.k, 64, coarse.now).finish();
    expect(c).toMatchObject({ tile: '5x8', by: 'default', final: true, turns: 0 });
    expect(c.reason).toMatch(/clock ticks every 0\.1 ms/);
    expect(coarse.calls).toEqual({ 4: 0, 5: 0, 6: 0 });
    const frozen = fake({ 4: 30, 5: 20, 6: 20 }, { frozen: true });
    expect(new TileTuner(frozen.k, 64, frozen.now).finish().reason).toMatch(/does not advance/);
  });
});

describe('the engine tile', () => {
  it('init({ tile }) rejects an unknown tile with a SimdgradError naming the choices', async () => {
    await expect(sg.init({ tile: '8x8' as GemmTile })).rejects.toThrow(sg.SimdgradError);
    await expect(sg.init({ tile: '3x8' as GemmTile })).rejects.toThrow(/tile must be 'auto', '4x8', '5x8', '6x8'/);
  });

  it('sg.tile() reports the measured choice, final, with a speed for every candidate; another tile is refused later', async () => {
    await sg.init({ simd: 'simd128' });
    const c = sg.tile();
    expect(c.by).toBe('measured'); // node's clock is fine-grained
    expect(c.final).toBe(true);
    expect(GEMM_TILES).toContain(c.tile);
    expect(Object.keys(c.gflops).sort()).toEqual([...GEMM_TILES]);
    await expect(sg.init({ tile: c.tile === '4x8' ? '6x8' : '4x8' })).rejects.toThrow(/already initialized with the/);
    await sg.init({ tile: c.tile });
  });
});

describe('every tile gives the golden digest of the runtime workload (simd128, Node)', () => {
  for (const tile of GEMM_TILES) {
    it(`${tile}`, async () => {
      const r = await runNode('simd128', { tile });
      expect(r.tile).toBe(tile);
      expect(r.digest).toBe(golden.digest);
    }, 120_000);
  }
});
