import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const build = (f: string) => fileURLToPath(new URL(`./build/${f}`, import.meta.url));

// Tests run against the built package (build/), as a user imports it.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^simdgrad$/, replacement: build('index.js') },
      { find: /^simdgrad\/data$/, replacement: build('data.js') },
      { find: /^simdgrad\/plot$/, replacement: build('plot.js') },
      { find: /^simdgrad\/onnx$/, replacement: build('onnx.js') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    execArgv: ['--experimental-wasm-relaxed-simd'],
    // .ci/run asks for a JSON report too, to print its `N passed, N failed` line
    reporters: process.env.SIMDGRAD_VITEST_JSON
      ? ['default', ['json', { outputFile: process.env.SIMDGRAD_VITEST_JSON }]]
      : ['default'],
  },
});
