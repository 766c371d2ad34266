// Helpers shared by the nn and optim tests: the f64 reference model of an
// nn.MLP's parameters, seeded labels, and one recorded training step.
import * as sg from 'simdgrad';
import { uniform } from './close.js';
import type { Act, RefModel } from './mlpref.js';

export const f64 = (t: sg.Tensor) => Float64Array.from(t.data());
/** The spacing of f32 values at |x| (2⁻¹⁴⁹ for denormals). */
export const ulpOf = (x: number) => {
  const a = Math.abs(Math.fround(x));
  return a < 2 ** -126 ? 2 ** -149 : 2 ** (Math.floor(Math.log2(a)) - 23);
};

/** The reference model holding exactly the f32 parameters of `model`. */
export function refOf(model: sg.nn.MLP, act: Act): RefModel {
  const p = model.namedParameters();
  const layers: RefModel['layers'] = [];
  for (let i = 0; p.has(`${i}.weight`); i += 2) {
    const w = p.get(`${i}.weight`) as sg.Tensor;
    const alpha = act === 'prelu' ? p.get(`${i + 1}.weight`) : undefined;
    layers.push({
      w: f64(w),
      b: f64(p.get(`${i}.bias`) as sg.Tensor),
      nOut: w.shape[0],
      nIn: w.shape[1],
      alpha: alpha ? f64(alpha) : undefined,
    });
  }
  return { layers, act };
}

export function labelsFor(B: number, C: number, seed: number): Int32Array {
  const u = uniform(B, seed, 0, C);
  return Int32Array.from(u, (v) => Math.min(C - 1, Math.floor(v)));
}

/** One recorded forward + loss + backward; returns the loss value. */
export function trainStep(model: sg.nn.Module, x: sg.Tensor, y: Int32Array): number {
  return sg.tidy(() => {
    const loss = sg.autograd.record(() => sg.nn.softmaxCrossEntropy(model.forward(x), y));
    loss.backward();
    return loss.item();
  });
}
