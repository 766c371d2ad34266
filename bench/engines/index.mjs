// SPDX-License-Identifier: MIT
// The engines the end-to-end bench compares, by id: what each loads and which
// measurements it supports (null: not applicable, with the reason).

export const ENGINES = {
  'simdgrad-simd128': {
    label: 'simdgrad simd128',
    load: (o) => import('./simdgrad.mjs').then((m) => m.load({ ...o, simd: 'simd128' })),
  },
  'simdgrad-relaxed': {
    label: 'simdgrad relaxed',
    load: (o) => import('./simdgrad.mjs').then((m) => m.load({ ...o, simd: 'relaxed' })),
  },
  'simdgrad-int8-simd128': {
    label: 'simdgrad int8 simd128',
    load: (o) => import('./simdgrad.mjs').then((m) => m.load({ ...o, simd: 'simd128', int8: true })),
    noTrain: 'int8 is inference-only (nn.quantize)',
  },
  'simdgrad-int8-relaxed': {
    label: 'simdgrad int8 relaxed',
    load: (o) => import('./simdgrad.mjs').then((m) => m.load({ ...o, simd: 'relaxed', int8: true })),
    noTrain: 'int8 is inference-only (nn.quantize)',
  },
  'tfjs-wasm': { label: 'tfjs wasm', load: (o) => import('./tfjs.mjs').then((m) => m.load({ ...o, backend: 'wasm' })) },
  'tfjs-cpu': { label: 'tfjs cpu', load: (o) => import('./tfjs.mjs').then((m) => m.load({ ...o, backend: 'cpu' })) },
  'ort-wasm': {
    label: 'onnxruntime-web wasm',
    load: (o) => import('./ort.mjs').then((m) => m.load(o)),
    noTrain: 'inference-only runtime',
  },
  'jax-wasm': { label: 'jax-js wasm', load: (o) => import('./jax.mjs').then((m) => m.load(o)) },
  brain: {
    label: 'brain.js 1.6.1',
    load: (o) => import('./brain.mjs').then((m) => m.load(o)),
    noInfer: 'training only in this bench (no batched inference)',
    noCold: 'training only in this bench',
  },
};

export const ENGINE_IDS = Object.keys(ENGINES);
