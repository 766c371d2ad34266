// The per-op test table (PyTorch OpInfo + XNNPACK's enumerator pattern): one
// entry per registered op, typed by OpName, so registering an op demands its
// entry. numerics/grad/errors/leak suites are generated from it.
import type { OpName } from 'simdgrad';
import { activationInfo } from './opinfo/activations.js';
import type { OpInfo } from './opinfo/common.js';
import { elementwiseInfo } from './opinfo/elementwise.js';
import { fusedInfo } from './opinfo/fused.js';
import { nnInfo } from './opinfo/nn.js';
import { reduceInfo } from './opinfo/reduce.js';
import { shapeInfo } from './opinfo/shape.js';

export type { ErrorInput, OpInfo, Sample } from './opinfo/common.js';

/** Exhaustive over OpName: a newly registered op without an entry does not compile. */
export const opinfo: { [K in OpName]: OpInfo } = {
  ...elementwiseInfo,
  ...activationInfo,
  ...reduceInfo,
  ...shapeInfo,
  ...fusedInfo,
  ...nnInfo,
};
