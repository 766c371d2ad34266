// SPDX-License-Identifier: MIT
// Feature detection with tiny hand-assembled modules: WebAssembly.validate
// answers without compiling anything the host might forbid.

// (func (result v128) (v128.const i32x4 0 0 0 0))
const SIMD = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 22, 1, 20, 0, 253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 11,
]);

// (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0)))
const RELAXED = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  5,
  1,
  96,
  0,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  61,
  1,
  59,
  0,
  ...zeros128(),
  ...zeros128(),
  ...zeros128(),
  253,
  133,
  2,
  11,
]);

function zeros128(): number[] {
  return [253, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
}

export function hasWasm(): boolean {
  return typeof WebAssembly === 'object' && typeof WebAssembly.validate === 'function';
}
export function hasSimd(): boolean {
  return hasWasm() && WebAssembly.validate(SIMD);
}
export function hasRelaxedSimd(): boolean {
  return hasSimd() && WebAssembly.validate(RELAXED);
}
