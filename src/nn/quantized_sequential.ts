// SPDX-License-Identifier: MIT
// QuantizedSequential: the quantized layers of a Sequential/MLP in order. Each
// QuantizedLinear fuses the activation after it (as the float Sequential does),
// and a run of two or more of them (an MLP's hidden stack) is ONE kernel call,
// linear_int8_chain (assembly/int8.ts): the hidden rows stay in engine scratch,
// so batch-1 inference pays one call and one output tensor, not one per layer.
// The bits are those of the layer-by-layer calls (the chain runs the same kernel).

import { engine } from '../engine/load.js';
import { activations } from '../ops/activations.js';
import type { Tensor } from '../tensor.js';
import { empty } from '../tensor.js';
import { ActivationModule } from './activations.js';
import { planBlock, scratch } from './int8scratch.js';
import { QuantizedLinear, QuantizedModule, QuantizedPReLU, type QuantizedStateDict, Stateless } from './quantized.js';

/** One QuantizedLinear with the activation fused after it. */
interface Step {
  readonly lin: QuantizedLinear;
  readonly code: number;
  readonly alpha: Tensor | null;
}

/** What forward runs: a chain of fused linears (one call) or one layer. */
type Segment = { readonly chain: readonly Step[] } | { readonly layer: QuantizedModule };

/** A Sequential of quantized layers (children named 0, 1, 2… as the float model's). */
export class QuantizedSequential extends QuantizedModule {
  /** The layers, in order. */
  readonly layers: readonly QuantizedModule[];
  private readonly segments: readonly Segment[];
  constructor(layers: QuantizedModule[]) {
    super();
    this.layers = Object.freeze(layers.slice());
    this.segments = plan(this.layers);
  }

  /** Runs the layers in order (a run of fused linears in one kernel call). */
  forward(x: Tensor): Tensor {
    let h = x;
    for (const s of this.segments) h = 'chain' in s ? runChain(s.chain, h) : s.layer.forward(h);
    return h;
  }

  stateDict(): QuantizedStateDict {
    const out: QuantizedStateDict = new Map();
    this.layers.forEach((m, i) => {
      for (const [n, t] of m.stateDict()) out.set(`${i}.${n}`, t);
    });
    return out;
  }

  /** @internal */
  assign(given: Map<string, unknown>, prefix = ''): void {
    this.layers.forEach((m, i) => {
      m.assign(given, `${prefix}${i}.`);
    });
  }

  dispose(): void {
    for (const m of this.layers) m.dispose();
  }
}

/**
 * Splits the layers into segments: each QuantizedLinear takes the activation
 * after it when that fuses; consecutive fused linears whose sizes chain (K of
 * one = N of the one before) form one chain; anything else runs alone.
 */
function plan(ls: readonly QuantizedModule[]): Segment[] {
  const out: Segment[] = [];
  let run: Step[] = [];
  const flush = () => {
    if (run.length > 0) out.push({ chain: run });
    run = [];
  };
  for (let i = 0; i < ls.length; i++) {
    const m = ls[i];
    if (!(m instanceof QuantizedLinear)) {
      flush();
      out.push({ layer: m });
      continue;
    }
    const fused = fusedActivation(m, ls[i + 1]);
    const prev = run.at(-1);
    if (prev !== undefined && prev.lin.outFeatures !== m.inFeatures) flush();
    run.push({ lin: m, code: fused?.code ?? 0, alpha: fused?.alpha ?? null });
    if (fused !== null) i++;
  }
  flush();
  return out;
}

/** act(…act(x·W₀ᵀ + b₀)…·Wₙᵀ + bₙ) for a chain, in one linear_int8_chain call (one linear_int8_fwd for one step). */
function runChain(chain: readonly Step[], x: Tensor): Tensor {
  const first = chain[0];
  const last = chain[chain.length - 1];
  const M = first.lin.rows(x);
  if (chain.length === 1) return first.lin.forwardWith(x, first.code, first.alpha);
  const shape = x.shape.slice();
  shape[shape.length - 1] = last.lin.outFeatures;
  const y = empty(shape, 'QuantizedSequential');
  if (M === 0 || y.size === 0) return y;
  try {
    const { k, heap } = engine();
    const table = planBlock(chain.length);
    const i32 = heap.i32;
    for (let s = 0; s < chain.length; s++)
      chain[s].lin.writeStep(i32, (table >>> 2) + 8 * s, chain[s].code, chain[s].alpha);
    const ws = scratch(k.int8_chain_scratch_bytes(table, chain.length, M));
    k.linear_int8_chain(table, chain.length, x.ptr, y.ptr, M, ws);
  } catch (e) {
    y.dispose();
    throw e;
  }
  return y;
}

/**
 * The epilogue a QuantizedLinear fuses with the layer after it (the activation
 * table's kernel code and prelu's α), or null: not an activation, or one that
 * does not fuse with this many outputs.
 */
function fusedActivation(
  m: QuantizedLinear,
  next: QuantizedModule | undefined,
): { code: number; alpha: Tensor | null } | null {
  if (next === undefined) return null;
  if (next instanceof QuantizedPReLU) {
    const n = next.weight.size;
    return n === 1 || n === m.outFeatures ? { code: activations.prelu.code(), alpha: next.weight } : null;
  }
  if (next instanceof Stateless && next.layer instanceof ActivationModule && next.layer.fusesWith(m.outFeatures)) {
    const layer = next.layer;
    if (activations[layer.activation].alpha) return null;
    return { code: activations[layer.activation].code(layer.options as never), alpha: null };
  }
  return null;
}
