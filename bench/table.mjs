// SPDX-License-Identifier: MIT
// Text tables for the end-to-end results: values with a ratio against
// TensorFlow.js wasm (higher = better for simdgrad: throughput ÷ theirs,
// latency theirs ÷ ours, bytes theirs ÷ ours), and 'n/a: reason' cells.

import { ENGINE_IDS, ENGINES } from './engines/index.mjs';

export const BASE = 'tfjs-wasm';

const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

/** Columns: [title, pick(row) → number | {na}, format, higherIsBetter]. */
const E2E_COLUMNS = [
  ['train samples/s', (r) => r.train?.samplesPerSec ?? r.train, (v) => v.toFixed(0), true],
  ['infer b1 µs', (r) => r.infer1?.us ?? r.infer1, (v) => v.toFixed(1), false],
  ['infer b64 ms', (r) => r.infer64?.ms ?? r.infer64, (v) => v.toFixed(3), false],
  ['cold start +ms', (r) => r.cold?.ms ?? r.cold, (v) => v.toFixed(0), false],
];

const BYTES_COLUMNS = [
  ['wasm B', (r) => r.wasm?.raw ?? r.wasm, String, false],
  ['wasm gzip B', (r) => r.wasm?.gzip ?? r.wasm, String, false],
  ['JS min B', (r) => r.js?.raw ?? r.js, String, false],
  ['JS gzip B', (r) => r.js?.gzip ?? r.js, String, false],
];

function grid(head, body) {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (cells) => cells.map((s, i) => (i === 0 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** A table of rows keyed by engine id; every cell a number, a ratio or 'n/a'; reasons listed below it. */
function table(rows, columns, firstTitle) {
  const head = [firstTitle];
  for (const [title] of columns) head.push(title, '×');
  const notes = [];
  const body = ENGINE_IDS.filter((id) => rows[id]).map((id) => {
    const cells = [ENGINES[id].label];
    for (const [title, pick, fmt, higher] of columns) {
      const v = pick(rows[id]);
      const b = rows[BASE] ? pick(rows[BASE]) : null;
      if (isNum(v)) {
        cells.push(fmt(v));
        cells.push(isNum(b) && v > 0 && b > 0 ? `${(higher ? v / b : b / v).toFixed(2)}×` : '—');
      } else {
        const reason = v?.na ?? 'not measured';
        let n = notes.indexOf(reason);
        if (n < 0) n = notes.push(reason) - 1;
        cells.push(`n/a[${n + 1}]`, '—');
        void title;
      }
    }
    return cells;
  });
  const text = grid(head, body);
  return notes.length ? `${text}\n${notes.map((r, i) => `  [${i + 1}] n/a: ${r}`).join('\n')}` : text;
}

/** The end-to-end table of one runtime: rows[id] = { train, infer1, infer64, cold }. */
export function formatE2E(rows) {
  return table(rows, E2E_COLUMNS, 'engine (medians; × = vs tfjs wasm, >1 better)');
}

/** The shipped-bytes table: rows[id] = { wasm, js, note }. */
export function formatBytes(rows) {
  const t = table(rows, BYTES_COLUMNS, 'engine (bytes; × = tfjs wasm ÷ engine)');
  const notes = ENGINE_IDS.filter((id) => rows[id]?.note).map((id) => `  ${ENGINES[id].label}: ${rows[id].note}`);
  return `${t}\n${notes.join('\n')}`;
}

/** Largest |p − p_tfjs-wasm| over the batch-1 probabilities, per engine (a check that all run the same net). */
export function agreement(rows) {
  const base = rows[BASE]?.probe;
  if (!base) return 'probability check: tfjs wasm gave no probabilities';
  const parts = [];
  for (const id of ENGINE_IDS) {
    const p = rows[id]?.probe;
    if (!p || id === BASE) continue;
    const d = Math.max(...p.map((v, i) => Math.abs(v - base[i])));
    parts.push(`${ENGINES[id].label} ${d.toExponential(1)}`);
  }
  return `batch-1 probabilities, max |Δ| vs tfjs wasm: ${parts.join(', ')}`;
}

/**
 * int8 against float32 in the same build and runtime: batch-1 latency ratio
 * (int8 ÷ float32, lower is better) and batch-64 throughput ratio (float32 time
 * ÷ int8 time, higher is better), with ONNX Runtime Web's float32 beside them.
 */
export function int8Summary(rows) {
  const parts = [];
  for (const build of ['simd128', 'relaxed']) {
    const f = rows[`simdgrad-${build}`];
    const q = rows[`simdgrad-int8-${build}`];
    if (!isNum(f?.infer1?.us) || !isNum(q?.infer1?.us) || !isNum(f?.infer64?.ms) || !isNum(q?.infer64?.ms)) continue;
    parts.push(
      `${build}: b1 ${q.infer1.us.toFixed(1)} µs = ${(q.infer1.us / f.infer1.us).toFixed(2)}× float32's latency, ` +
        `b64 ${q.infer64.ms.toFixed(3)} ms = ${(f.infer64.ms / q.infer64.ms).toFixed(2)}× float32's throughput`,
    );
  }
  const o = rows['ort-wasm'];
  if (isNum(o?.infer1?.us) && isNum(o?.infer64?.ms))
    parts.push(`onnxruntime-web float32: b1 ${o.infer1.us.toFixed(1)} µs, b64 ${o.infer64.ms.toFixed(3)} ms`);
  return parts.length ? `int8 vs float32 (same build): ${parts.join('; ')}` : 'int8 vs float32: not measured';
}
