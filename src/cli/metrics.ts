// SPDX-License-Identifier: MIT
// Classification metrics over predicted class indices (argmax outputs come
// back from the engine as int-valued floats) and integer labels.

/** How many predictions equal their label. */
export function countCorrect(pred: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (pred.length !== labels.length) {
    throw new Error(`countCorrect: ${pred.length} predictions for ${labels.length} labels`);
  }
  let k = 0;
  for (let i = 0; i < pred.length; i++) if (pred[i] === labels[i]) k++;
  return k;
}

/**
 * Adds a batch into a row-major classes×classes confusion matrix:
 * `m[label * classes + pred]`, rows are the true class, columns the prediction.
 */
export function addConfusion(m: Int32Array, classes: number, pred: ArrayLike<number>, labels: ArrayLike<number>): void {
  if (m.length !== classes * classes) throw new Error('addConfusion: matrix size does not match the class count');
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i]!;
    const p = pred[i]!;
    if (!(t >= 0 && t < classes && p >= 0 && p < classes)) {
      throw new Error(`addConfusion: class index out of range (label ${t}, prediction ${p}, ${classes} classes)`);
    }
    m[t * classes + p]!++;
  }
}

/** Per-class recall (diagonal over row sum); NaN for a class with no samples. */
export function perClassAccuracy(m: Int32Array, classes: number): number[] {
  const out: number[] = [];
  for (let c = 0; c < classes; c++) {
    let row = 0;
    for (let j = 0; j < classes; j++) row += m[c * classes + j]!;
    out.push(row === 0 ? Number.NaN : m[c * classes + c]! / row);
  }
  return out;
}

/** Overall accuracy from a confusion matrix (trace over total). */
export function matrixAccuracy(m: Int32Array, classes: number): number {
  let trace = 0;
  let total = 0;
  for (let i = 0; i < m.length; i++) total += m[i]!;
  for (let c = 0; c < classes; c++) trace += m[c * classes + c]!;
  return total === 0 ? Number.NaN : trace / total;
}
