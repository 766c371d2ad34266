// SPDX-License-Identifier: MIT
// `simdgrad/onnx`: ONNX in and out for MLP graphs. importOnnx reads a ModelProto
// whose graph is a chain of supported ops into a trainable nn.Sequential;
// exportOnnx writes a Sequential/MLP as Gemm/activation nodes that any ONNX
// runtime loads. The protobuf wire format is read and written by hand
// (wire.ts, proto.ts): no eval, no Node built-ins, no dependency, so this entry
// runs in browsers under a strict CSP and in workerd, like the core.

import { type nn, SimdgradError } from 'simdgrad';
import { build } from './build.js';
import { type ImportOptions, plan } from './chain.js';
import { decodeModel } from './proto.js';
import { WireError } from './wire.js';

export { type ExportOptions, exportOnnx } from './export.js';
export { LeakyReLU, LogSoftmax } from './layers.js';
export type { ImportOptions };

function asBytes(bytes: unknown): Uint8Array {
  // a plain Uint8Array view also for subclasses (a Node Buffer's slice() shares memory)
  if (bytes instanceof Uint8Array)
    return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new SimdgradError(
    `importOnnx: expected the bytes of an .onnx file (Uint8Array or ArrayBuffer), got ${bytes === null ? 'null' : typeof bytes}`,
  );
}

/**
 * Reads an ONNX model whose graph is a chain of Gemm, MatMul (+ Add), Relu,
 * LeakyRelu, PRelu, Sigmoid, Tanh, Gelu (or PyTorch's Erf form of it), Softmax,
 * LogSoftmax, Flatten, Reshape to [N, -1], Identity, Dropout and Cast-to-float
 * nodes, with float32, float16 or bfloat16 initializers, into a trainable
 * `nn.Sequential` (parameters `0.weight`, `0.bias`, … in chain order; Identity,
 * Dropout and Cast add no layer). A Linear followed by an activation runs as one
 * fused kernel, as in a hand-built `nn.MLP`.
 *
 * Anything else — another op or attribute value, a branch, several inputs,
 * external data, a malformed or truncated file — is a `SimdgradError` that names
 * the node, its op type and what is supported; nothing is allocated then.
 *
 * @example
 * const model = importOnnx(new Uint8Array(await (await fetch('mlp.onnx')).arrayBuffer()));
 * const probs = model.forward(sg.tensor(pixels, [1, 784]));
 */
export function importOnnx(bytes: Uint8Array | ArrayBuffer, opts: ImportOptions = {}): nn.Sequential {
  const b = asBytes(bytes);
  if (opts === null || typeof opts !== 'object') throw new SimdgradError('importOnnx: options must be an object');
  try {
    return build(plan(decodeModel(b), opts));
  } catch (e) {
    if (e instanceof WireError) {
      throw new SimdgradError(`importOnnx: the file is not a valid ONNX model (${e.message}; ${b.length} bytes)`);
    }
    if (e instanceof SimdgradError) throw e;
    // NOTE: a reader bug must still surface as the documented error type; the
    // fuzz test (test/onnx) fails on any message of this kind.
    throw new SimdgradError(`importOnnx: unexpected error while reading the file: ${(e as Error)?.message ?? e}`);
  }
}
