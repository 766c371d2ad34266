// Types for workload.js.
export const WORKLOAD_VERSION: number;
export function workload(
  sg: unknown,
  init: object,
  onnx: unknown,
): Promise<{ backend: string; version: number; sections: [string, Float32Array][] }>;
export function runWorkload(
  sg: unknown,
  init: object,
  opts: { values?: boolean } | undefined,
  onnx: unknown,
): Promise<unknown>;
export function viaGemm(name: string): boolean;
export function digest(
  result: { backend: string; version: number; sections: [string, Float32Array][] },
  opts?: { values?: boolean },
): Promise<{ digest: string; sections: { name: string; n: number; sha256: string }[] }>;
