// SPDX-License-Identifier: MIT
// simdgrad/plot: charts as SVG strings; no DOM and no Node built-ins, so it
// runs in browsers too. `import * as plot from 'simdgrad/plot'; plot.line({...})`.

export { type LineOptions, line } from './line.js';
