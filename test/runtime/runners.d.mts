// Types for runners.mjs (plain ESM so `npm run golden` runs it with node directly).
export interface Section {
  name: string;
  n: number;
  sha256: string;
  /** base64 of the raw little-endian f32 bytes, when asked for with `values`. */
  values?: string;
}
export interface DigestRecord {
  backend: 'simd128' | 'relaxed-simd';
  version: number;
  digest: string;
  sections: Section[];
  /** The GEMM tile the engine ran (command-line runtimes). */
  tile?: string;
  /** Where `simdgrad` resolved (command-line runtimes). */
  resolved?: string;
  /** Chromium only: CSP violations and console/page errors seen by the page. */
  violations?: string[];
  problems?: string[];
  /** threadStats() after the run (command-line runtimes and Chromium with threads). */
  threads?: { threads: number; ready: number; parallelCalls: number; disabled: string | null };
  /** Chromium: whether the page was crossOriginIsolated. */
  isolated?: boolean;
}
/** tile: force a GEMM tile; threads: init({ threads, splitAll: true }) after startThreads(). */
export interface RunOpts {
  values?: boolean;
  tile?: string;
  threads?: number;
}
export type Simd = 'simd128' | 'relaxed';
export const root: string;
export const RUNTIMES: string[];
export const RELAXED_RUNTIMES: string[];
export function bin(name: string): string;
export function runNode(simd: Simd, opts?: RunOpts): Promise<DigestRecord>;
export function runNode24(simd: Simd, opts?: RunOpts): Promise<DigestRecord>;
export function runDeno(simd: Simd, opts?: RunOpts): Promise<DigestRecord>;
export function runBun(simd: Simd, opts?: RunOpts): Promise<DigestRecord>;
export function runChromium(
  simds: Simd[],
  opts?: { values?: boolean; threads?: number },
): Promise<Record<string, DigestRecord>>;
export function runWorkerd(simds?: Simd[], opts?: { values?: boolean }): Promise<Record<string, DigestRecord>>;
export function withWorkerd<T>(
  config: string,
  fn: (base: string, bases: Record<string, string>) => Promise<T>,
  runtime?: string,
  sockets?: string[],
): Promise<T>;
export function runAllSimd128(): Promise<Record<string, DigestRecord>>;
