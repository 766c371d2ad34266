// SPDX-License-Identifier: MIT
// THE op table: one row per core op, each declared once with defineOp in its
// family file. `OpName` is derived from it, and test/opinfo.ts is typed
// `{ [K in OpName]: OpInfo }`, so registering an op demands its test entry.
// Adding an op = its defineOp in the family file + one row here.

import { type ActivationName, activationNames, activations } from './activations.js';
import { dropoutOps } from './dropout.js';
import { elementwiseOps } from './elementwise.js';
import { gatherOp } from './gather.js';
import { huberOps } from './huber.js';
import { fusedLinearOps } from './linear.js';
import { matmulOps } from './matmul.js';
import { reduceOps } from './reduce.js';
import type { Op } from './registry.js';
import { shapeOps } from './shape.js';
import { softmaxOps } from './softmax.js';
import { unaryOps } from './unary.js';
import { lossOps } from './xent.js';

/** The elementwise activation ops, one per row of the activation table. */
const activationOps = Object.fromEntries(activationNames.map((n) => [n, activations[n].op])) as {
  [K in ActivationName]: Op<never>;
};

export const ops = {
  ...elementwiseOps,
  ...unaryOps,
  ...activationOps,
  ...matmulOps,
  ...reduceOps,
  ...shapeOps,
  gather: gatherOp,
  ...softmaxOps,
  ...fusedLinearOps,
  ...lossOps,
  ...huberOps,
  ...dropoutOps,
} satisfies Record<string, Op<never>>;

/** The name of an op of the op table (see {@link opNames}). */
export type OpName = keyof typeof ops;

/** The registered op names (for tooling and the generated test suites). */
export const opNames = Object.keys(ops) as OpName[];
