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
// load spikes hit all alike) and each keeps its best (least) time per flop, the
// estimate a busy machine can only slow down, never speed up; the fastest so
// far is the tile in use. NOTE: the kernels start in the engine's baseline
// compiler (V8 Liftoff, JSC BBQ), 2–5× slower than optimized code, and each
// tile function is optimized only after it has run enough, at a different turn
// per tile (the bigger loop body gets there first: measured on Node 20, 6×8
// after 2 turns, 4×8 after 10–20; Node 24 ~24, Deno 12–40, Bun 22–97), with
// the optimized code arriving from a background thread some time later. Timing
// only the first turns therefore compared optimized 6×8 against baseline 4×8
// and picked wrong. So the choice runs in two phases:
// - early: one short turn before each of the first EARLY GEMMs (Engine.gemmWs),
//   a provisional choice for the first GEMMs, ~1–2 ms in all (cold start);
// - late: one turn at steady-state kc every LATE_EVERY GEMMs after that, until
//   every candidate's best has stopped improving (no gain above 1% for
//   STABLE_TURNS turns: its optimized code has arrived and a quiet moment has
//   been seen) and LATE_MIN turns are done (MAX_TURNS at most); the final
//   choice is by the last STABLE_TURNS late turns alone, each candidate by the
//   median of its time ÷ the mean time of its turn (a busy spell of the
//   machine, e.g. work on a core sharing this one's units, slows a whole turn
//   alike, so a within-turn ratio survives it where a best across turns, seen
//   in a quieter moment for one tile than another, did not). A late turn costs
//   ~0.1 ms; they are spread over the next ~500–2,000 GEMMs.
// The packed batch-1 gemv, which runs no tile, runs no turn (Engine.ws), so a
// cold start to a batch-1 inference pays nothing. tile() (sg.tile) runs the
// remaining turns back to back.
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
  /**
   * What decides once the late turns do (empty before): each candidate's speed
   * relative to the mean of its turns (the median over the last late turns;
   * > 1 faster than the turn's mean). The chosen tile has the highest. The best
   * times in `gflops` can rank otherwise (a best may come from a quiet moment
   * only one candidate saw).
   */
  readonly relative: Readonly<Partial<Record<GemmTile, number>>>;
  /** Milliseconds spent timing so far. */
  readonly ms: number;
  /** Of those, the early turns' (one before each of the first GEMMs, mostly baseline code): what the choice adds to a cold start. */
  readonly coldMs: number;
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
 * K steps per early timed call: an A block of 16 panels (≤ 24 KB) and a B panel
 * (2 KB), in cache; ~4–8 µs of optimized code per candidate, so the early turns,
 * which run mostly in baseline code, stay cheap (cold start).
 */
const KC_EARLY = 64;
/** K steps per late timed call: the blocked GEMM's kc at the MLP shapes (256–512), so C traffic weighs as there. */
const KC_LATE = 256;
/** Early turns, one before each of the first GEMMs. */
export const EARLY = 8;
/** GEMM calls between late turns. */
export const LATE_EVERY = 16;
/** Late turns at least. */
export const LATE_MIN = 24;
/** Late turns in a row without a gain above STABLE that end the measurement. */
export const STABLE_TURNS = 16;
/** The relative gain that counts as an improvement. */
const STABLE = 0.01;
/** A candidate this many times slower than the fastest is taken for baseline code, not yet settled. */
const BASELINE = 1.6;
/** Turns at most (early + late): a bound when a candidate keeps improving by noise. */
export const MAX_TURNS = 160;
/** Finer than this (ms) the clock can time a call (one is ~10–100 µs). */
const MAX_GRANULARITY_MS = 0.02;

const flops = (rows: number, reps: number, kc: number): number => 2 * reps * 16 * rows * 8 * kc;

/** Calls per timing: enough that a coarser clock (5 µs under cross-origin isolation) still resolves them. */
const repsFor = (step: number, kc: number): number =>
  Math.min(16, Math.max(1, Math.ceil(step / (0.0005 * (kc / KC_EARLY)))));

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
 * Chooses the tile by timing, in turns: `tick()` before each GEMM runs a turn
 * when one is due (every call early, every LATE_EVERY-th late), `turn()` runs
 * one now, `finish()` runs the rest; the best so far is set in the ws header.
 */
export class TileTuner {
  private readonly early = new Map<GemmTile, number>(GEMM_TILES.map((t) => [t, Infinity])); // ms per flop
  private readonly late = new Map<GemmTile, number>(GEMM_TILES.map((t) => [t, Infinity]));
  /**
   * Per candidate, its time per flop ÷ the turn's mean, for the last STABLE_TURNS
   * late turns: what decides (a busy moment slows a whole turn, ~0.1–0.3 ms,
   * alike, so a ratio within a turn survives it where a best time across turns
   * can come from a quieter moment for one candidate than for another).
   */
  private readonly ratios = new Map<GemmTile, number[]>(GEMM_TILES.map((t) => [t, []]));
  /** Per candidate, late turns since its late best last improved by more than STABLE. */
  private readonly still = new Map<GemmTile, number>(GEMM_TILES.map((t) => [t, 0]));
  private turns = 0;
  private lateTurns = 0;
  private calls = 0;
  private spent = 0;
  private coldMs = 0;
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
    this.coldMs = this.spent;
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

  /** Before a GEMM: a turn when one is due (each early call, then every LATE_EVERY-th). */
  tick(): void {
    if (this.done) return;
    const c = this.calls++;
    if (this.turns < EARLY || (c - EARLY) % LATE_EVERY === LATE_EVERY - 1) this.turn();
  }

  /** One turn: every candidate timed once; the fastest so far goes into the ws header. */
  turn(): void {
    if (!this.started) this.start();
    if (this.done) return;
    const { k, ws, now, still } = this;
    const isLate = this.turns >= EARLY;
    const best = isLate ? this.late : this.early;
    const kc = isLate ? KC_LATE : KC_EARLY;
    const start = now();
    const times = new Map<GemmTile, number>();
    for (let i = 0; i < GEMM_TILES.length; i++) {
      const t = GEMM_TILES[(i + this.turns) % GEMM_TILES.length];
      const rows = tileRows(t);
      const reps = repsFor(this.step, kc);
      const t0 = now();
      k.gemm_tile_time(ws, rows, kc, reps);
      const perFlop = Math.max(now() - t0, this.step) / flops(rows, reps, kc);
      times.set(t, perFlop);
      const old = best.get(t) as number;
      if (perFlop < old) best.set(t, perFlop);
      if (isLate) still.set(t, perFlop < old * (1 - STABLE) ? 0 : (still.get(t) as number) + 1);
    }
    if (isLate) {
      let mean = 0;
      for (const v of times.values()) mean += v / GEMM_TILES.length;
      for (const [t, v] of times) {
        const r = this.ratios.get(t) as number[];
        r.push(v / mean);
        if (r.length > STABLE_TURNS) r.shift();
      }
    }
    this.turns++;
    if (isLate) this.lateTurns++;
    else this.coldMs += now() - start;
    // Settled: no candidate improved lately, and none is so far behind the best
    // that it is likely still running baseline code (tiles differ by < 30%;
    // baseline code is 2–5× slower): that one gets more turns to tier up.
    const fastest = Math.min(...this.late.values());
    const settled = GEMM_TILES.every(
      (t) => (still.get(t) as number) >= STABLE_TURNS && (this.late.get(t) as number) < fastest * BASELINE,
    );
    this.done = this.turns >= MAX_TURNS || (this.lateTurns >= LATE_MIN && settled);
    // The late turns decide once there are a few (each candidate's median ratio
    // to its turns' mean over the last STABLE_TURNS: all optimized code once
    // settled); before, the early bests. The speeds shown are the bests.
    const late = this.lateTurns >= 4;
    const by = late ? this.late : this.early;
    const score = (t: GemmTile): number => (late ? median(this.ratios.get(t) as number[]) : (by.get(t) as number));
    let tile: GemmTile = DEFAULT_TILE;
    for (const t of GEMM_TILES) if (score(t) < score(tile)) tile = t;
    const gflops: Partial<Record<GemmTile, number>> = {};
    for (const t of GEMM_TILES) gflops[t] = 1 / (by.get(t) as number) / 1e6;
    const relative: Partial<Record<GemmTile, number>> = {};
    if (late) for (const t of GEMM_TILES) relative[t] = 1 / score(t);
    this.spent += now() - start;
    this.current = setTile(k, ws, tile, {
      by: 'measured',
      final: this.done,
      gflops,
      relative,
      ms: this.spent,
      coldMs: this.coldMs,
      turns: this.turns,
    });
  }
}
function median(a: readonly number[]): number {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
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
    relative: Object.freeze({ ...(o.relative ?? {}) }),
    ms: o.ms ?? 0,
    coldMs: o.coldMs ?? 0,
    turns: o.turns ?? 0,
    ...(o.reason ? { reason: o.reason } : {}),
  });
}
