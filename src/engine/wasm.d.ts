// esbuild's binary loader turns an imported .wasm file into its bytes.
declare module '*.wasm' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

// scripts/build.mjs inlines the bundled kernel worker (src/engine/worker.ts) as a string.
declare module 'simdgrad:worker-source' {
  const source: string;
  export default source;
}
