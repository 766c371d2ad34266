// SPDX-License-Identifier: MIT
// SimdgradError and the small checks every public function shares. Every
// message names the op, the shapes involved and what was expected.

/** Anything the caller did wrong: bad shapes, bad values, use before init, disposed tensors. */
export class SimdgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimdgradError';
  }
}

/** Throws a SimdgradError prefixed with the op's name. */
export function fail(op: string, message: string): never {
  throw new SimdgradError(`${op}: ${message}`);
}

/** `[2,3]` — the notation every message uses for a shape. */
export function fmt(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

const MAX_ELEMENTS = 2 ** 30; // 4 GiB of f32: the wasm32 memory limit

/** Validates a shape (each dim a non-negative integer) and returns its element count. */
export function checkShape(op: string, shape: unknown): number {
  if (!Array.isArray(shape) && !(ArrayBuffer.isView(shape) && !(shape instanceof DataView))) {
    fail(op, `shape must be an array of non-negative integers, got ${describe(shape)}`);
  }
  const dims = Array.from(shape as ArrayLike<unknown>);
  let size = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || Number.isNaN(d)) fail(op, `shape ${show(dims)} has a dim that is not a number`);
    if (!Number.isFinite(d)) fail(op, `shape ${show(dims)} has an infinite dim`);
    if (d < 0) fail(op, `shape ${show(dims)} has a negative dim`);
    if (!Number.isInteger(d)) fail(op, `shape ${show(dims)} has a dim that is not an integer`);
    size *= d;
  }
  if (size > MAX_ELEMENTS) {
    fail(op, `shape ${show(dims)} is too large: ${size} elements exceed the wasm32 memory limit of 4 GiB`);
  }
  return size;
}

function show(dims: unknown[]): string {
  return `[${dims.map((d) => String(d)).join(',')}]`;
}

/** A short description of a value for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  if (ArrayBuffer.isView(v)) return `a ${v.constructor.name}`;
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v)}`;
  return `${typeof v} ${String(v)}`;
}

/** Normalises an axis (negative counts from the end) or throws naming the op and shape. */
export function normAxis(op: string, axis: number, shape: readonly number[]): number {
  const nd = shape.length;
  if (!Number.isInteger(axis) || axis < -nd || axis >= nd) {
    fail(op, `axis ${axis} is out of range for shape ${fmt(shape)} (expected an integer in [${-nd}, ${nd - 1}])`);
  }
  return axis < 0 ? axis + nd : axis;
}

/** A non-negative integer option (a layer size, a count), or the op's error. */
export function checkCount(op: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    fail(op, `${name} must be a non-negative integer, got ${describe(v)}`);
  }
  return v;
}

/** An options argument: undefined (→ {}) or an object, else the op's error. */
export function optionsOf<T extends object>(op: string, o: T | undefined): Partial<T> {
  if (o === undefined) return {};
  if (o === null || typeof o !== 'object') fail(op, `options must be an object, got ${describe(o)}`);
  return o;
}
