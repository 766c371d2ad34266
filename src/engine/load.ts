// SPDX-License-Identifier: MIT
// init(): picks a kernel build, compiles and instantiates it against a memory
// this side owns, and sets up the heap. Nothing happens at import time: the
// inlined wasm bytes are only compiled inside init(), so hosts that forbid
// compiling from bytes (workerd, Vercel edge) can pass a Module instead.

import relaxedBytes from '../../build/relaxed.wasm';
import simd128Bytes from '../../build/simd128.wasm';
import { SimdgradError } from '../errors.js';
import { hasRelaxedSimd, hasSimd, hasWasm } from './detect.js';
import { Heap, MAX_PAGES } from './heap.js';
import type { Kernels } from './kernels.js';
import { Pool } from './pool.js';
import { sharedBuild } from './shared.js';
import { threadedKernels } from './split.js';
import type { PoolStats } from './stats.js';
import { type ThreadHost, threadHost } from './threads.js';
import { DEFAULT_TILE, GEMM_TILES, type GemmTile, setTile, type TileChoice, TileTuner, tileRows } from './tile.js';

declare global {
  // The WebAssembly types the published declarations name (InitOptions.module; the
  // heap's memory, reachable through the worker pool's types), declared
  // so that the published types compile without the `dom` lib or @types/node;
  // where those are present their declaration merges with this one.
  namespace WebAssembly {
    interface Module {}
    /** The engine's memory (named by the internal heap and worker-pool types). */
    interface Memory {}
  }
}

/** Which kernel build is running: `'relaxed-simd'` or `'simd128'` (see {@link backend}). */
export type Backend = 'relaxed-simd' | 'simd128';

/** Options of {@link init}. */
export interface InitOptions {
  /** A compiled kernel module (simdgrad/wasm/simd128.wasm or relaxed.wasm), for hosts that forbid compiling bytes. */
  module?: WebAssembly.Module;
  /** Which build to run: 'auto' (relaxed where the runtime validates it), 'relaxed' or 'simd128'. */
  simd?: 'auto' | 'relaxed' | 'simd128';
  /** Upper bound on wasm memory in bytes (default and maximum: 4 GiB). */
  maxMemoryBytes?: number;
  /**
   * The GEMM register tile: 'auto' (default: each candidate is timed on this
   * engine, a turn before each of the first GEMMs and then one every few GEMMs
   * until the timings settle, and the fastest kept) or
   * '4x8' | '5x8' | '6x8' to force one (for benchmarks and tests). Speed only:
   * results are bit-identical whatever the tile.
   */
  tile?: 'auto' | GemmTile;
  /**
   * Threads to compute with: 'auto' (default) = the cores the runtime reports where
   * workers can share the wasm memory, else 1; or a positive integer (above 1 only
   * where threads can run). Results are bit-identical for every count.
   */
  threads?: 'auto' | number;
  /**
   * Split every kernel call that can be split over the threads, however small
   * (default false: small calls stay on the calling thread). Slower; for tests
   * that check the split itself, whose results are the same bits either way.
   */
  splitAll?: boolean;
}

/** The loaded kernels, heap and GEMM setup. @internal */
export interface Engine {
  readonly k: Kernels;
  readonly heap: Heap;
  readonly backend: Backend;
  /**
   * Scratch for the GEMM packing buffers, allocated once; its header holds the
   * tile. Every GEMM reads it just before the call, which is where the tile
   * measurement runs its next turn while turns are left (tile.ts).
   */
  readonly gemmWs: number;
  /** The same scratch without a turn, for calls that run no tile (see {@link wsFor}). */
  readonly ws: number;
  /** The GEMM register tile in use (speed only, never bits: tile.ts). */
  readonly gemmTile: GemmTile;
  /** How that tile was chosen, with the timings so far. */
  readonly tileChoice: TileChoice;
  /** Runs the tile measurement's remaining turns; the final choice. */
  finishTile(): TileChoice;
  /** Threads asked for at init (1 = the calling thread only). */
  readonly threads: number;
  /** The worker pool when threads > 1. */
  readonly pool: Pool | null;
}

let current: Engine | null = null;
let pending: Promise<Engine> | null = null;

/** The running engine; throws the "await init() first" error before init. @internal */
export function engine(): Engine {
  if (current === null) throw new SimdgradError('simdgrad is not initialized: call `await init()` first');
  return current;
}

/** The build actually running. */
export function backend(): Backend {
  return engine().backend;
}

/**
 * The scratch for a GEMM-family call whose C has `rows` rows: below GEMV_ROWS
 * (4, assembly/gemm.ts) the GEMM runs matrix-vector rows and no tile, so no
 * tile turn runs before it (a cold start to a batch-1 inference times nothing).
 * @internal
 */
export function wsFor(e: Engine, rows: number): number {
  return rows < 4 ? e.ws : e.gemmWs;
}

/**
 * The GEMM register tile in use, how it was chosen and the speeds (GFLOP/s) that
 * chose it. Finishes the measurement first (a few ms at most, once) if the
 * GEMMs run so far have not.
 */
export function tile(): TileChoice {
  return engine().finishTile();
}

/** Threads the engine computes with (1 = the calling thread only). */
export function threads(): number {
  const e = engine();
  return e.pool?.disabled ? 1 : e.threads;
}

/**
 * Starts the worker threads now instead of at the first call big enough to use
 * them, and resolves with the thread count once every worker is ready.
 */
export async function startThreads(): Promise<number> {
  const e = engine();
  return e.pool ? e.pool.startAll() : 1;
}

/** The thread pool's state: threads, workers ready, calls split so far, why threads are off if they were turned off. */
export function threadStats(): PoolStats {
  const e = engine();
  return e.pool?.stats() ?? { threads: 1, ready: 0, parallelCalls: 0, disabled: null };
}

/** Loads the kernels. Idempotent: later calls return the same engine. */
export async function init(options: InitOptions = {}): Promise<void> {
  checkOptions(options);
  if (current) return checkSame(current, options);
  if (!pending) {
    pending = start(options).then(
      (e) => {
        current = e;
        return e;
      },
      (err) => {
        pending = null;
        throw err;
      },
    );
  }
  checkSame(await pending, options);
}

function checkOptions(o: InitOptions): void {
  if (o === null || typeof o !== 'object') throw new SimdgradError('init: options must be an object');
  if (o.simd !== undefined && !['auto', 'relaxed', 'simd128'].includes(o.simd)) {
    throw new SimdgradError(`init: simd must be 'auto', 'relaxed' or 'simd128', got ${JSON.stringify(o.simd)}`);
  }
  if (o.module !== undefined && !(o.module instanceof WebAssembly.Module)) {
    throw new SimdgradError('init: module must be a WebAssembly.Module (simdgrad/wasm/simd128.wasm or relaxed.wasm)');
  }
  if (o.tile !== undefined && o.tile !== 'auto' && !GEMM_TILES.includes(o.tile)) {
    throw new SimdgradError(
      `init: tile must be 'auto', ${GEMM_TILES.map((t) => `'${t}'`).join(', ')}, got ${JSON.stringify(o.tile)}`,
    );
  }
  const t = o.threads;
  if (t !== undefined && t !== 'auto' && !(Number.isInteger(t) && t >= 1 && t <= 256)) {
    throw new SimdgradError(`init: threads must be 'auto' or an integer from 1 to 256, got ${JSON.stringify(t)}`);
  }
  const m = o.maxMemoryBytes;
  if (m !== undefined && (typeof m !== 'number' || !(m >= 65536) || !Number.isFinite(m))) {
    throw new SimdgradError(`init: maxMemoryBytes must be a number of bytes ≥ 65536, got ${String(m)}`);
  }
}

function checkSame(e: Engine, o: InitOptions): void {
  const want = o.simd === 'relaxed' ? 'relaxed-simd' : o.simd === 'simd128' ? 'simd128' : null;
  if (want && !o.module && want !== e.backend) {
    throw new SimdgradError(
      `init: already initialized with the ${e.backend} build; cannot switch to ${want} in this process`,
    );
  }
  if (o.tile !== undefined && o.tile !== 'auto' && o.tile !== e.gemmTile) {
    throw new SimdgradError(
      `init: already initialized with the ${e.gemmTile} GEMM tile; cannot switch to ${o.tile} in this process`,
    );
  }
  if (o.threads !== undefined) {
    const n = resolveThreads(o.threads, threadHost());
    if (n !== e.threads) {
      throw new SimdgradError(
        `init: already initialized with ${e.threads} thread${e.threads === 1 ? '' : 's'}; cannot switch to ${n} in this process`,
      );
    }
  }
}

/** 'auto' → the reported cores where threads can run, else 1; an explicit n > 1 where they cannot is an error. */
function resolveThreads(t: 'auto' | number, host: ThreadHost | string): number {
  if (t === 'auto') return typeof host === 'string' ? 1 : Math.max(1, Math.min(256, Math.floor(host.cores)));
  if (t > 1 && typeof host === 'string') throw new SimdgradError(`init: threads: ${t} cannot run here: ${host}`);
  return t;
}

async function start(o: InitOptions): Promise<Engine> {
  if (!hasWasm()) throw new SimdgradError('init: this runtime has no WebAssembly support');
  if (!hasSimd()) {
    throw new SimdgradError(
      'init: this runtime does not support WebAssembly SIMD (fixed-width SIMD128), which simdgrad requires',
    );
  }
  let module = o.module as WebAssembly.Module;
  let bytes: Uint8Array<ArrayBuffer> | null = null;
  if (!module) {
    const simd = o.simd ?? 'auto';
    const relaxed = simd === 'relaxed' || (simd === 'auto' && hasRelaxedSimd());
    if (simd === 'relaxed' && !hasRelaxedSimd()) {
      throw new SimdgradError(
        "init: this runtime does not support WebAssembly relaxed SIMD (on Node 20 run with --experimental-wasm-relaxed-simd); use simd: 'simd128' or 'auto'",
      );
    }
    bytes = relaxed ? relaxedBytes : simd128Bytes;
  }
  const host = threadHost();
  let nThreads = resolveThreads(o.threads ?? 'auto', host);
  if (bytes) module = await WebAssembly.compile(nThreads > 1 ? sharedBuild(bytes) : bytes);
  const names = WebAssembly.Module.exports(module).map((e) => e.name);
  if (!names.includes('build_id') || !names.includes('heap_base')) {
    throw new SimdgradError('init: the module passed is not a simdgrad kernel module (no build_id export)');
  }
  const maxPages = Math.min(MAX_PAGES, Math.floor((o.maxMemoryBytes ?? 2 ** 32) / 65536));
  let got = await instantiate(module, maxPages, nThreads > 1);
  if (got === null && nThreads > 1) {
    // a module passed by the caller that imports unshared memory
    if (o.threads !== undefined && o.threads !== 'auto') {
      throw new SimdgradError(
        `init: threads: ${o.threads} needs the kernels over shared memory, which a module passed in does not import; omit module to use the bundled build`,
      );
    }
    nThreads = 1;
    got = await instantiate(module, maxPages, false);
  }
  if (got === null) {
    throw new SimdgradError(
      'init: the module passed imports shared memory; init it with threads above 1, or pass simdgrad/wasm/simd128.wasm',
    );
  }
  const { memory, instance } = got;
  const raw = instance.exports as unknown as Kernels;
  const id = raw.build_id();
  const heap = new Heap(memory, raw.heap_base() >>> 0, maxPages);
  const wsBytes = 'gemm_ws_bytes' in raw ? (raw as { gemm_ws_bytes(): number }).gemm_ws_bytes() : 0;
  const gemmWs = heap.alloc(wsBytes, 'init');
  const backend = id === 2 ? 'relaxed-simd' : 'simd128';
  let pool: Pool | null = null;
  let k = raw;
  let eng: Engine | null = null;
  if (nThreads > 1 && typeof host !== 'string') {
    pool = new Pool(host, module, heap, instance.exports, nThreads, gemmWs, () => heap.alloc(wsBytes, 'init'));
    // the workers' scratch follows the tile the engine picked (speed only, never bits)
    k = threadedKernels(raw, pool, () => tileRows(eng?.gemmTile ?? DEFAULT_TILE), o.splitAll === true);
  }
  eng = withTile({ k, heap, backend, threads: nThreads, pool }, gemmWs, o.tile ?? 'auto');
  return eng;
}

/**
 * The engine with its tile: forced by the option, else measured (one turn
 * before each GEMM until done). The one place the tile is set.
 */
function withTile(
  base: Pick<Engine, 'k' | 'heap' | 'backend' | 'threads' | 'pool'>,
  ws: number,
  want: 'auto' | GemmTile,
): Engine {
  const { k } = base;
  if (want !== 'auto' || ws === 0 || !('gemm_tile_time' in k)) {
    const fixed =
      want !== 'auto'
        ? setTile(k, ws, want, { by: 'option' })
        : setTile(k, ws, '5x8', { by: 'default', reason: 'the module has no tile kernels' });
    return { ...base, gemmWs: ws, ws, gemmTile: fixed.tile, tileChoice: fixed, finishTile: () => fixed };
  }
  const tuner = new TileTuner(k, ws);
  return {
    ...base,
    ws,
    get gemmWs() {
      tuner.tick();
      return ws;
    },
    get gemmTile() {
      return tuner.choice().tile;
    },
    get tileChoice() {
      return tuner.choice();
    },
    finishTile: () => tuner.finish(),
  };
}

/**
 * Starts from one page so that growth is exercised early; the import's minimum
 * is not visible through the JS API, so a module with more static data than
 * that is retried with a larger initial memory.
 */
async function instantiate(
  module: WebAssembly.Module,
  maxPages: number,
  shared: boolean,
): Promise<{ memory: WebAssembly.Memory; instance: WebAssembly.Instance } | null> {
  for (let initial = 1; ; initial *= 4) {
    const memory = new WebAssembly.Memory({ initial: Math.min(initial, maxPages), maximum: maxPages, shared });
    try {
      const instance = await WebAssembly.instantiate(module, { env: { memory } });
      return { memory, instance };
    } catch (e) {
      if (!(e instanceof WebAssembly.LinkError)) throw e;
      if (initial >= maxPages) return null;
      if (initial === 1 && /shared/i.test(e.message)) return null;
    }
  }
}
