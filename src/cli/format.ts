// SPDX-License-Identifier: MIT
// Text output of the CLI: the per-epoch table (streamed one row at a time,
// so it grows under the progress bar), the confusion matrix and small
// number formats. Pure functions returning strings.

import Table from 'cli-table3';
import type { EpochStats } from './loop.js';

const EPOCH_HEAD = ['epoch', 'train loss', 'train acc', 'test acc', 'seconds'];
const EPOCH_WIDTHS = [8, 12, 11, 10, 9];

/** The columns, with `val acc` before `test acc` when a validation split is scored. */
function epochTableLines(row: string[], val = false): string[] {
  const head = val ? [...EPOCH_HEAD.slice(0, 3), 'val acc', ...EPOCH_HEAD.slice(3)] : EPOCH_HEAD;
  const widths = val ? [...EPOCH_WIDTHS.slice(0, 3), 10, ...EPOCH_WIDTHS.slice(3)] : EPOCH_WIDTHS;
  const t = new Table({
    head,
    colWidths: widths,
    colAligns: head.map(() => 'right' as const),
    style: { head: [], border: [] },
  });
  t.push(row);
  return t.toString().split('\n');
}

export function epochRow(s: EpochStats, val = false): string[] {
  return [
    `${s.epoch}${s.partial ? '*' : ''}`,
    s.trainLoss.toFixed(4),
    s.trainAcc.toFixed(4),
    ...(val ? [s.valAcc === undefined ? '-' : s.valAcc.toFixed(4)] : []),
    s.testAcc.toFixed(4),
    s.seconds.toFixed(1),
  ];
}

/**
 * The lines to print after an epoch: the table's top border and header before
 * the first row, then just the row. Fixed column widths keep the rows aligned.
 */
export function epochTableChunk(s: EpochStats, first: boolean, val = false): string {
  const lines = epochTableLines(epochRow(s, val), val);
  // lines: top, head, separator, row, bottom
  return (first ? lines.slice(0, 4) : lines.slice(3, 4)).join('\n');
}

/** The table's bottom border, printed once after the last row. */
export function epochTableEnd(val = false): string {
  const lines = epochTableLines(val ? ['', '', '', '', '', ''] : ['', '', '', '', ''], val);
  return lines[lines.length - 1]!;
}

/** The whole history as one table (for non-streaming output). */
export function epochTable(history: EpochStats[]): string {
  return history
    .map((s, i) => epochTableChunk(s, i === 0))
    .concat(history.length ? [epochTableEnd()] : [])
    .join('\n');
}

/** A confusion matrix with class names, rows = true class, plus per-class accuracy. */
export function confusionTable(m: Int32Array, names: readonly string[], perClass: number[]): string {
  const k = names.length;
  const short = names.map((n) => (n.length > 8 ? `${n.slice(0, 7)}.` : n));
  const t = new Table({
    head: ['true \\ predicted', ...short, 'acc'],
    colAligns: ['left', ...names.map(() => 'right' as const), 'right'],
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1, compact: true },
  });
  for (let r = 0; r < k; r++) {
    const row = Array.from(m.subarray(r * k, (r + 1) * k), String);
    t.push([names[r]!, ...row, Number.isNaN(perClass[r]!) ? '-' : perClass[r]!.toFixed(3)]);
  }
  return t.toString();
}

export function formatSeconds(s: number): string {
  return s < 60 ? `${s.toFixed(1)} s` : `${Math.floor(s / 60)} min ${(s % 60).toFixed(0)} s`;
}

export function formatRate(samplesPerSecond: number): string {
  return Math.round(samplesPerSecond).toLocaleString('en-US');
}
