// SPDX-License-Identifier: MIT
// The GEMM register tile (4×8, 5×8 or 6×8 rows×columns of C), chosen once per
// engine by timing each candidate where the code runs, and kept in the ws
// header (gemm_ws_set_tile). Speed only: every element of C is the same
// k-ordered chain with the same K blocking whatever the tile, so results are
// bit-identical across tiles (assembly/__tests__/gemm.spec.ts, test/tile.test.ts).
//
// Why measure: the fastest tile depends on the CPU, the engine version and the
// build (mul + add needs more registers than FMA, so a tile that fits with FMA
// spills without it; an engine that bounds-checks loads in software favours
// fewer loads), and a rule by runtime name left up to 40% on the table.
// How: gemm_tile_time runs a tile over packed scratch panels as the GEMM's
// inner loop does; a turn times every candidate once (in a rotating order, so
// load spikes hit all alike) and each keeps its best time; the fastest so far is
// the tile in use. NOTE: the kernels start in the engine's baseline compiler
// (V8 Liftoff, JSC BBQ), 2–5× slower than optimized code, and the optimized
// code arrives only after a function has run enough (measured in turns: Node 20
// 3–10, Node 24 ~24, Deno 12–40, Bun 22–97), so a few ms of timing at init
// would time baseline code (and cost cold start). So init times nothing: each
// GEMM call runs one turn first (Engine.gemmWs), TURNS in all, a few ms spread
// over the first GEMMs, by which time the turns and the real work have tiered
// the kernels up; the packed batch-1 gemv, which runs no tile, runs no turn
// (Engine.ws), so a cold start to a batch-1 inference pays nothing.
// tile() (sg.tile) finishes the turns at once.
// Where the clock is too coarse to time a turn (a browser without cross-origin
// isolation, workerd, which stops the clock while code runs), the default 5×8
// is kept and the choice says why.

/** The register tiles, rows × columns of C. */
export const GEMM_TILES = ['4x8', '5x8', '6x8'] as const;
/** A GEMM register tile, rows × columns of C, as picked for this runtime (speed only, never the bits). */
export type GemmTile = (typeof GEMM_TILES)[number];

/** How the tile in use was chosen and the speeds that chose it. */
export interface TileChoice {
  /** The tile every GEMM of this engine runs. */
  readonly tile: GemmTile;
  /** 'measured' on this engine, 'option' (init({ tile })), or 'default' when timing is not possible. */
  readonly by: 'measured' | 'option' | 'default';
  /** False while turns are left (the GEMMs run them; sg.tile() finishes them). */
  readonly final: boolean;
  /** Best GFLOP/s of each candidate on packed scratch panels so far (empty unless measured). */
  readonly gflops: Readonly<Partial<Record<GemmTile, number>>>;
  /** Milliseconds spent timing so far. */
  readonly ms: number;
  /** Turns so far (a turn times every candidate once). */
  readonly turns: number;
  /** Why the default was kept, when it was. */
  readonly reason?: string;
}

/** The kernels the measurement needs (both builds export them). */
export interface TileKernels {
  gemm_ws_set_tile(ws: number, rows: number): number;
  gemm_tile_time(ws: number, rows: number, kc: number, reps: number): number;
}

export const DEFAULT_TILE: GemmTile = '5x8';

/** Rows of the tile, as gemm_ws_set_tile takes them. */
export function tileRows(t: GemmTile): number {
  return t === '4x8' ? 4 : t === '6x8' ? 6 : 5;
}

/**
 * K steps per timed call: an A block of 16 panels (≤ 24 KB) and a B panel (2 KB),
 * in cache; ~4–8 µs of optimized code per candidate, little enough that the
 * turns the first GEMMs run in baseline code stay cheap (cold start).
 */
const KC = 64;
/** Turns in all (a turn times every candidate once): past the slowest tier-up measured, but Bun's. */
export const TURNS = 64;
/** Finer than this (ms) the clock can time a call (one is ~10–100 µs). */
const MAX_GRANULARITY_MS = 0.02;

const flops = (rows: number, reps: number): number => 2 * reps * 16 * rows * 8 * KC;

/** Calls per timing: enough that a coarser clock (5 µs under cross-origin isolation) still resolves them. */
const repsFor = (step: number): number => Math.min(16, Math.max(1, Math.ceil(step / 0.0005)));

/** The clock's step in ms, the smallest of a few (Infinity when it does not advance while code runs). */
function granularity(now: () => number): number {
  const next = (t: number): number => {
    let u = now();
    for (let i = 0; i < 20_000 && u === t; i++) u = now();
    return u;
  };
  let t = next(now());
  let step = Infinity;
  for (let j = 0; j < 3; j++) {
    const u = next(t);
    if (u === t) break; // stopped (workerd) or coarser than ~1 ms: give up quickly
    step = Math.min(step, u - t);
    t = u;
  }
  return step;
}

/**
 * Chooses the tile by timing, in turns: `turn()` runs one (a no-op once done),
 * `finish()` runs the rest; the best so far is set in the ws header after each.
 */
export class TileTuner {
  private readonly best = new Map<GemmTile, number>(GEMM_TILES.map((t) => [t, Infinity])); // ms per flop
  private turns = 0;
  private spent = 0;
  private step = 0;
  private started = false;
  private current: TileChoice;
  done = false;

  constructor(
    private readonly k: TileKernels,
    private readonly ws: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.current = setTile(k, ws, DEFAULT_TILE, { by: 'measured', final: false });
  }

  /** Checks the clock before the first turn (not at init: Node 20 loads its `performance` lazily, ~1.4 ms). */
  private start(): void {
    this.started = true;
    const t0 = this.now();
    this.step = granularity(this.now);
    this.spent = this.now() - t0;
    if (!(this.step <= MAX_GRANULARITY_MS)) {
      this.done = true;
      const why =
        this.step === Infinity
          ? 'the clock does not advance while code runs'
          : `the clock ticks every ${+this.step.toPrecision(3)} ms`;
      this.current = setTile(this.k, this.ws, DEFAULT_TILE, {
        by: 'default',
        reason: `${why}, too coarse to time a tile`,
      });
    }
  }

  /** The choice so far (final once `done`). */
  choice(): TileChoice {
    return this.current;
  }

  /** Runs every turn left and returns the final choice. */
  finish(): TileChoice {
    while (!this.done) this.turn();
    return this.current;
  }

  /** One turn: every candidate timed once; the fastest so far goes into the ws header. */
  turn(): void {
    if (!this.started) this.start();
    if (this.done) return;
    const { k, ws, now, best } = this;
    const start = now();
    for (let i = 0; i < GEMM_TILES.length; i++) {
      const t = GEMM_TILES[(i + this.turns) % GEMM_TILES.length];
      const rows = tileRows(t);
      const t0 = now();
      const reps = repsFor(this.step);
      k.gemm_tile_time(ws, rows, KC, reps);
      const perFlop = Math.max(now() - t0, this.step) / flops(rows, reps);
      if (perFlop < (best.get(t) as number)) best.set(t, perFlop);
    }
    this.turns++;
    this.done = this.turns >= TURNS;
    let tile: GemmTile = DEFAULT_TILE;
    for (const t of GEMM_TILES) if ((best.get(t) as number) < (best.get(tile) as number)) tile = t;
    const gflops: Partial<Record<GemmTile, number>> = {};
    for (const t of GEMM_TILES) gflops[t] = 1 / (best.get(t) as number) / 1e6;
    this.spent += now() - start;
    this.current = setTile(k, ws, tile, {
      by: 'measured',
      final: this.done,
      gflops,
      ms: this.spent,
      turns: this.turns,
    });
  }
}
/** Sets `tile` in the ws header and returns the record of the choice. */
export function setTile(
  k: Pick<TileKernels, 'gemm_ws_set_tile'>,
  ws: number,
  tile: GemmTile,
  o: Omit<Partial<TileChoice>, 'tile'> & { by: TileChoice['by'] },
): TileChoice {
  if (ws !== 0) k.gemm_ws_set_tile(ws, tileRows(tile));
  return Object.freeze({
    tile,
    by: o.by,
    final: o.final ?? true,
    gflops: Object.freeze({ ...(o.gflops ?? {}) }),
    ms: o.ms ?? 0,
    turns: o.turns ?? 0,
    ...(o.reason ? { reason: o.reason } : {}),
  });
}
