// as-pect: kernel specs in assembly/__tests__, compiled by as-pect.asconfig.json
// (simd128) or as-pect.relaxed.asconfig.json (relaxed SIMD), chosen by --config.
export default {
  entries: ['assembly/__tests__/**/*.spec.ts'],
  include: ['assembly/__tests__/**/*.include.ts'],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
