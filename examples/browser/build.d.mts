// Types for build.mjs.
export const outdir: string;
export const N_TRAIN: number;
export const N_TEST: number;
export function makeSubset(file?: string): Promise<string>;
export function buildDemo(): Promise<string>;
