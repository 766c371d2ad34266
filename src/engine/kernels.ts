// SPDX-License-Identifier: MIT
// Kernel bindings, typed from asc's generated declaration of the simd128 build
// (both builds export the same names), so a kernel renamed in assembly/ fails
// to type-check here instead of failing at run time.

import type { instantiate } from '../../build/simd128.js';

export type Kernels = Omit<Awaited<ReturnType<typeof instantiate>>, 'memory'>;
