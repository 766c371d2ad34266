// SPDX-License-Identifier: MIT
// nn.quantize: an inference-only int8 copy of a model. Every Linear becomes a
// QuantizedLinear (weight int8 [out, in] with one float32 scale per output row,
// symmetric: scale = max|row| / 127; bias float32), PReLU slopes stay float32,
// parameter-free layers are copied, Sequential recurses (src/nn/quantized.ts
// holds the classes). The original model is not changed.

import { describe, fail } from '../errors.js';
import { PReLU } from './activations.js';
import { Linear } from './layers.js';
import { Module } from './module.js';
import { type QuantizeDtype, QuantizedLinear, QuantizedModule, QuantizedPReLU, Stateless } from './quantized.js';
import { QuantizedSequential } from './quantized_sequential.js';
import { Sequential } from './sequential.js';

/** A parameter-free copy of a layer, in evaluation mode, sharing nothing mutable with the original. */
function statelessCopy(m: Module): Module {
  const c = Object.assign(Object.create(Object.getPrototypeOf(m)) as Module, m);
  c.training = false;
  return c;
}

function convert(m: Module, path: string): QuantizedModule {
  const op = 'nn.quantize';
  if (m instanceof Linear) return new QuantizedLinear(m);
  if (m instanceof PReLU) return new QuantizedPReLU(m);
  if (m instanceof Sequential) {
    const done: QuantizedModule[] = [];
    try {
      m.layers.forEach((c, i) => {
        done.push(convert(c, path ? `${path}.${i}` : String(i)));
      });
    } catch (e) {
      for (const d of done) d.dispose(); // nothing half-built stays in memory
      throw e;
    }
    return new QuantizedSequential(done);
  }
  if (m instanceof QuantizedModule) fail(op, `the module${path ? ` at ${path}` : ''} is already quantized`);
  if (!(m instanceof Module)) fail(op, `expected an nn.Module, got ${describe(m)}`);
  if (m.namedParameters().size > 0) {
    fail(
      op,
      `unsupported module ${m.constructor.name}${path ? ` at ${path}` : ''}: int8 quantization supports Linear, PReLU, parameter-free layers and Sequential`,
    );
  }
  return new Stateless(statelessCopy(m));
}

/**
 * An inference-only int8 copy of `module` (an nn.Linear, or a Sequential/MLP of
 * Linear, activation, PReLU and parameter-free layers): every Linear weight as
 * int8 with one float32 scale per output row (symmetric: scale = max|row| / 127,
 * q = round-half-even(w·127/max|row|)), biases and PReLU slopes float32. The
 * original is left unchanged. `forward` takes float32 input of any batch; its
 * `stateDict()` has `<name>.weight` (Int8Tensor) and `<name>.weight_scale`.
 */
export function quantize(module: Module, options: { dtype: QuantizeDtype }): QuantizedModule {
  const op = 'nn.quantize';
  if (options === null || typeof options !== 'object')
    fail(op, `options must be { dtype: 'int8' }, got ${describe(options)}`);
  if (options.dtype !== 'int8')
    fail(op, `unsupported dtype ${describe(options.dtype)}: only 'int8' (per-output-row symmetric) is supported`);
  return convert(module, '');
}

/** Whether `m` is a quantized module (nn.quantize's result or one of its layers). */
export function isQuantized(m: unknown): m is QuantizedModule {
  return m instanceof QuantizedModule;
}
