// The GEMM register tile (src/engine/tile.ts): chosen by timing each candidate
// on the engine's scratch, or forced by init({ tile }). Speed only: the bits are
// checked tile against tile in assembly/__tests__/gemm.spec.ts, here through
// the engine (every forced tile gives the golden digest of the runtime workload,
// which covers matmul, Linear, MLP training), and across runtimes by
// test/runtime. No timing is
// asserted: the fake clock below decides which tile is "fastest".
import * as sg from 'simdgrad';
import { describe, expect, it } from 'vitest';
import {
  EARLY,
  GEMM_TILES,
  type GemmTile,
  LATE_EVERY,
  LATE_MIN,
  MAX_TURNS,
  STABLE_TURNS,
  TileTuner,
  tileRows,
} from '../src/engine/tile.js';
import golden from './runtime/golden/simd128.json' with { type: 'json' };
import { runNode } from './runtime/runners.mjs';

/** Kernels whose tile calls advance a fake clock by flops / speed, speed per rows; rows set are recorded. */
function fake(
  speed: Record<number, number>,
  {
    tick = 1e-6,
    inc = 1e-7,
    frozen = false,
    slowFirst = {} as Record<number, number>,
    noise = (_call: number, _rows: number, _own: number): number => 1,
  } = {},
) {
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
      // The first slowFirst[rows] calls of a tile run "baseline code", 4× slower.
      // `noise(n)` ≤ 1 slows the n-th call of any tile (a busy machine only slows).
      const s =
        (calls[rows] <= (slowFirst[rows] ?? 0) ? speed[rows] / 4 : speed[rows]) *
        noise(calls[4] + calls[5] + calls[6], rows, calls[rows]);
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
      // Steady timings settle as soon as the rules allow: EARLY turns, then LATE_MIN late ones.
      expect(c).toMatchObject({
        tile: fastest,
        by: 'measured',
        final: true,
        turns: EARLY + Math.max(LATE_MIN, STABLE_TURNS + 1),
      });
      for (const t of GEMM_TILES) expect(c.gflops[t]).toBeCloseTo(speed[tileRows(t) as 4 | 5 | 6], 0);
      expect(f.set.at(-1)).toBe(tileRows(fastest));
      expect(c.ms).toBeGreaterThan(0);
    }
  });

  it('is not fooled by baseline code: a tile slow through the early turns and then some still wins once optimized', () => {
    // 6×8 runs "baseline code" for its first EARLY + 10 calls, past the early phase:
    // the early bests prefer 5×8, the late ones (which decide) 6×8.
    const f = fake({ 4: 20, 5: 25, 6: 28 }, { slowFirst: { 6: EARLY + 10 } });
    const tuner = new TileTuner(f.k, 64, f.now);
    for (let i = 0; i < EARLY; i++) tuner.turn();
    expect(tuner.choice()).toMatchObject({ tile: '5x8', final: false });
    const c = tuner.finish();
    expect(c.tile).toBe('6x8');
    // The jump reset 6×8's count of still turns: it ran STABLE_TURNS more after it.
    expect(c.turns).toBeGreaterThanOrEqual(EARLY + 10 + STABLE_TURNS);
  });

  it('keeps timing while a candidate still improves, within MAX_TURNS', () => {
    // Every call 2% faster than the turn before (a machine growing ever quieter): never settled.
    const f = fake({ 4: 20, 5: 25, 6: 26 }, { noise: (i) => Math.min(1, 0.01 * 1.02 ** (i / 3)) });
    const c = new TileTuner(f.k, 64, f.now).finish();
    expect(c.turns).toBe(MAX_TURNS);
    expect(c.final).toBe(true);
  });

  it('keeps the tile that was fast in a quiet moment, whatever the busy turns measured', () => {
    // Every turn but one in seven runs at 40% speed (the other core busy): the best times still rank right.
    const f = fake({ 4: 29, 5: 25, 6: 28 }, { noise: (i) => (Math.floor((i - 1) / 3) % 7 === 3 ? 1 : 0.4) });
    expect(new TileTuner(f.k, 64, f.now).finish().tile).toBe('4x8');
  });

  it('is not fooled by a quiet moment that only one candidate saw', () => {
    // The machine is busy (60% speed) throughout but for one 4×8 call in the late
    // phase: its best time makes 4×8 look fastest; per-turn ratios keep 6×8.
    const f = fake({ 4: 25, 5: 28, 6: 30 }, { noise: (_i, rows, own) => (rows === 4 && own === EARLY + 5 ? 1 : 0.6) });
    const c = new TileTuner(f.k, 64, f.now).finish();
    expect(c.gflops['4x8']).toBeGreaterThan(c.gflops['6x8'] as number);
    expect(c.tile).toBe('6x8');
    // The figures that decided are reported: 6×8 leads them, by the true speed ratios.
    const rel = c.relative as Record<GemmTile, number>;
    const mean = (1 / 25 + 1 / 28 + 1 / 30) / 3;
    for (const [t, v] of [
      ['4x8', 25],
      ['5x8', 28],
      ['6x8', 30],
    ] as const)
      expect(rel[t]).toBeCloseTo(mean * v, 4); // the fake clock ticks every 1e-6
  });

  it('reports the relative speeds that decide once late turns run, none before, and picks their highest', () => {
    const f = fake({ 4: 27, 5: 31, 6: 29 });
    const tuner = new TileTuner(f.k, 64, f.now);
    for (let i = 0; i < EARLY; i++) tuner.turn();
    expect(tuner.choice().relative).toEqual({});
    const c = tuner.finish();
    expect(Object.keys(c.relative).sort()).toEqual([...GEMM_TILES]);
    const best = GEMM_TILES.reduce((a, t) => ((c.relative[t] as number) > (c.relative[a] as number) ? t : a));
    expect(c.tile).toBe(best);
    expect(c.tile).toBe('5x8');
  });

  it('runs one turn per turn() until done, then nothing', () => {
    const f = fake({ 4: 20, 5: 25, 6: 20 });
    const tuner = new TileTuner(f.k, 64, f.now);
    expect(tuner.choice()).toMatchObject({ tile: '5x8', by: 'measured', final: false, turns: 0 });
    tuner.turn();
    expect(tuner.choice().turns).toBe(1);
    tuner.turn();
    expect(tuner.choice().turns).toBe(2);
    expect(f.calls).toEqual({ 4: 2, 5: 2, 6: 2 });
    const turns = tuner.finish().turns;
    tuner.turn();
    expect(f.calls).toEqual({ 4: turns, 5: turns, 6: turns });
  });

  it('tick() runs a turn before each of the first EARLY GEMMs, then one every LATE_EVERY, until done', () => {
    const f = fake({ 4: 20, 5: 25, 6: 20 });
    const tuner = new TileTuner(f.k, 64, f.now);
    for (let i = 0; i < EARLY; i++) tuner.tick();
    expect(tuner.choice().turns).toBe(EARLY);
    for (let i = 0; i < LATE_EVERY - 1; i++) tuner.tick();
    expect(tuner.choice().turns).toBe(EARLY);
    tuner.tick();
    expect(tuner.choice().turns).toBe(EARLY + 1);
    for (let i = 0; i < 100 * LATE_EVERY; i++) tuner.tick();
    const c = tuner.choice();
    expect(c.final).toBe(true);
    expect(c.tile).toBe('5x8');
    tuner.tick();
    tuner.turn();
    expect(f.calls).toEqual({ 4: c.turns, 5: c.turns, 6: c.turns });
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
    expect(Object.keys(c.relative).sort()).toEqual([...GEMM_TILES]);
    const top = GEMM_TILES.reduce((a, t) => ((c.relative[t] as number) > (c.relative[a] as number) ? t : a));
    expect(c.tile).toBe(top);
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
