// SPDX-License-Identifier: MIT
// safetensors (huggingface/safetensors): an 8-byte little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets}, __metadata__?}, then raw
// little-endian data. simdgrad reads and writes F32 (Tensor) and I8 (Int8Tensor:
// the weights of quantized modules). The loader validates the
// whole file before it allocates anything (the checks mirror the reference
// reader's SafeTensorError variants), so a malformed file is one SimdgradError
// and memory is unchanged. Wasm memory is little-endian like the format, so data
// moves as raw bytes (bit-identical, NaN payloads included).

import { engine } from '../engine/load.js';
import { describe, fail, fmt } from '../errors.js';
import { Int8Tensor } from '../int8.js';
import { empty, Tensor } from '../tensor.js';

/** The reference reader's limit (safetensors MAX_HEADER_SIZE). */
const MAX_HEADER = 100_000_000;
const MAX_ELEMENTS = 2 ** 30;
const METADATA = '__metadata__';
/** Every dtype of the format; F32 and I8 load. */
const KNOWN = new Set([
  'BOOL',
  'U8',
  'I8',
  'F8_E5M2',
  'F8_E4M3',
  'F8_E8M0',
  'F4',
  'F6_E2M3',
  'F6_E3M2',
  'I16',
  'U16',
  'F16',
  'BF16',
  'I32',
  'U32',
  'F32',
  'F64',
  'I64',
  'U64',
  'C64',
]);

/**
 * The Map loadSafetensors returns: name → tensor (a float32 Tensor for F32, an
 * Int8Tensor for I8), plus the file's `__metadata__` (null when absent).
 */
export type SafetensorsMap = Map<string, Tensor | Int8Tensor> & {
  /** The file's `__metadata__` (string key/value pairs), or null when it has none. */
  metadata: Record<string, string> | null;
};

type Entryish = Tensor | Int8Tensor;

/** Options of {@link saveSafetensors}. */
export interface SaveOptions {
  /** String key/value pairs written as `__metadata__` (default: the `metadata` of a loaded map, if any). */
  metadata?: Record<string, string> | null;
}

type StateLike =
  | Map<string, Entryish>
  | Record<string, Entryish>
  | { stateDict(): Map<string, Tensor> | Map<string, Entryish> };

/** Bytes per element and the dtype name of an entry. */
function dtypeOf(t: Entryish): [number, string] {
  return t instanceof Int8Tensor ? [1, 'I8'] : [4, 'F32'];
}

/** Serializes a state dict (or a Module's stateDict()) to safetensors bytes, tensors in insertion order. */
export function saveSafetensors(state: StateLike, options: SaveOptions = {}): Uint8Array {
  const op = 'saveSafetensors';
  const entries = stateEntries(op, state);
  const meta =
    options.metadata !== undefined ? options.metadata : ((state as Partial<SafetensorsMap>).metadata ?? null);
  const parts: string[] = [];
  if (meta !== null) {
    if (typeof meta !== 'object' || Array.isArray(meta))
      fail(op, `metadata must be an object of strings, got ${describe(meta)}`);
    for (const [k, v] of Object.entries(meta)) {
      if (typeof v !== 'string')
        fail(op, `metadata value for ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
    }
    parts.push(`${JSON.stringify(METADATA)}:${JSON.stringify(meta)}`);
  }
  let offset = 0;
  for (const [name, t] of entries) {
    const [bytes, dtype] = dtypeOf(t);
    const end = offset + t.size * bytes;
    parts.push(
      `${JSON.stringify(name)}:{"dtype":"${dtype}","shape":${JSON.stringify(t.shape)},"data_offsets":[${offset},${end}]}`,
    );
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = (json.length + 7) & ~7; // padded with spaces to 8 bytes, as the reference writer does
  const out = new Uint8Array(8 + headerLen + offset);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, headerLen, true);
  dv.setUint32(4, 0, true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  const heap = engine().heap.u8;
  let at = 8 + headerLen;
  for (const [, t] of entries) {
    if (t instanceof Int8Tensor) {
      const q = t.raw(op);
      out.set(new Uint8Array(q.buffer, q.byteOffset, q.length), at);
      at += t.size;
    } else {
      out.set(heap.subarray(t.ptr, t.ptr + t.size * 4), at);
      at += t.size * 4;
    }
  }
  return out;
}

function stateEntries(op: string, state: StateLike): [string, Entryish][] {
  let map: Iterable<[string, unknown]>;
  if (state instanceof Map) map = state;
  else if (
    state !== null &&
    typeof state === 'object' &&
    typeof (state as { stateDict?: unknown }).stateDict === 'function'
  ) {
    map = (state as { stateDict(): Map<string, Entryish> }).stateDict();
  } else if (state !== null && typeof state === 'object' && !Array.isArray(state)) map = Object.entries(state);
  else fail(op, `expected a state dict (Map<string, Tensor>) or a Module, got ${describe(state)}`);
  const out: [string, Entryish][] = [];
  for (const [name, t] of map) {
    if (typeof name !== 'string' || name === METADATA) fail(op, `invalid tensor name ${JSON.stringify(name)}`);
    if (t instanceof Int8Tensor) t.raw(`${op} (${name})`);
    else if (t instanceof Tensor) t.check(`${op} (${name})`).realize();
    else fail(op, `entry ${JSON.stringify(name)} is not a Tensor or Int8Tensor (got ${describe(t)})`);
    out.push([name, t]);
  }
  return out;
}

interface Entry {
  name: string;
  dtype: 'F32' | 'I8';
  shape: number[];
  begin: number;
  end: number;
}

/**
 * Parses safetensors bytes into name → tensor (F32 → Tensor, I8 → Int8Tensor).
 * Every malformed file is a SimdgradError; nothing is allocated then.
 */
export function loadSafetensors(bytes: Uint8Array | ArrayBuffer): SafetensorsMap {
  const op = 'loadSafetensors';
  if (bytes instanceof ArrayBuffer) bytes = new Uint8Array(bytes);
  if (!(bytes instanceof Uint8Array)) fail(op, `expected a Uint8Array or ArrayBuffer, got ${describe(bytes)}`);
  const { entries, metadata, dataStart } = parse(op, bytes);
  const out = new Map<string, Tensor>() as SafetensorsMap;
  out.metadata = metadata;
  try {
    for (const e of entries) {
      const data = bytes.subarray(dataStart + e.begin, dataStart + e.end);
      if (e.dtype === 'I8') {
        out.set(e.name, new Int8Tensor(new Int8Array(data.buffer, data.byteOffset, data.length), e.shape));
        continue;
      }
      const t = empty(e.shape, op);
      engine().heap.u8.set(data, t.ptr);
      out.set(e.name, t);
    }
  } catch (err) {
    for (const t of out.values()) t.dispose(); // e.g. out of memory half-way: no partial result
    throw err;
  }
  return out;
}

function parse(op: string, bytes: Uint8Array) {
  const bad = (what: string): never => fail(op, what);
  if (bytes.length < 8)
    bad(`file too small: ${bytes.length} bytes, a safetensors file starts with an 8-byte header length`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lo = dv.getUint32(0, true);
  const hi = dv.getUint32(4, true);
  if (hi !== 0 || lo > MAX_HEADER)
    bad(`header length ${hi * 2 ** 32 + lo} is larger than the ${MAX_HEADER}-byte limit`);
  if (8 + lo > bytes.length) bad(`header length ${lo} runs past the end of the file (${bytes.length} bytes)`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + lo));
  } catch {
    return bad('header is not valid UTF-8');
  }
  if (text[0] !== '{') bad(`header must be a JSON object starting with '{', found ${JSON.stringify(text.slice(0, 8))}`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('header must be a JSON object');
  const { keys, dup } = headerKeys(text);
  if (dup !== null) bad(`duplicate tensor name ${JSON.stringify(dup)} in the header`);
  const dataLen = bytes.length - 8 - lo;
  let metadata: Record<string, string> | null = null;
  const entries: Entry[] = [];
  for (const name of keys) {
    const info = (header as Record<string, unknown>)[name];
    if (name === METADATA) {
      metadata = checkMetadata(op, info);
      continue;
    }
    entries.push(checkEntry(op, name, info, dataLen));
  }
  // The data section must be covered exactly: sorted by offset, no overlap, no hole, nothing after.
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin < at)
      bad(`tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin},${e.end}] overlap another tensor's data`);
    if (e.begin > at)
      bad(
        `tensor ${JSON.stringify(e.name)}: data_offsets [${e.begin},${e.end}] leave a hole at bytes [${at},${e.begin}) of the data section`,
      );
    at = e.end;
  }
  if (at !== dataLen)
    bad(
      `the data section has ${dataLen} bytes but the tensors cover ${at}: ${dataLen - at} trailing bytes belong to no tensor`,
    );
  return { entries, metadata, dataStart: 8 + lo };
}

function checkMetadata(op: string, info: unknown): Record<string, string> {
  if (info === null || typeof info !== 'object' || Array.isArray(info))
    fail(op, `${METADATA} must be an object of strings`);
  for (const [k, v] of Object.entries(info as object)) {
    if (typeof v !== 'string')
      fail(op, `${METADATA} value for ${JSON.stringify(k)} must be a string, got ${describe(v)}`);
  }
  return { ...(info as Record<string, string>) };
}

function checkEntry(op: string, name: string, info: unknown, dataLen: number): Entry {
  const where = `tensor ${JSON.stringify(name)}`;
  if (info === null || typeof info !== 'object' || Array.isArray(info))
    fail(op, `${where}: expected {dtype, shape, data_offsets}, got ${describe(info)}`);
  const { dtype, shape, data_offsets: offs } = info as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(op, `${where}: dtype must be a string, got ${describe(dtype)}`);
  if (!KNOWN.has(dtype)) fail(op, `${where}: unknown dtype ${JSON.stringify(dtype)}`);
  if (dtype !== 'F32' && dtype !== 'I8')
    fail(op, `${where}: unsupported dtype ${dtype} (simdgrad loads F32 and I8; convert the file to float32)`);
  const width = dtype === 'I8' ? 1 : 4;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(op, `${where}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  let size = 1;
  for (const d of shape as number[]) size = Math.min(size * d, 2 ** 53);
  if (size > MAX_ELEMENTS) fail(op, `${where}: shape ${fmt(shape as number[])} is too large for wasm32 memory`);
  if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o))) {
    fail(op, `${where}: data_offsets must be two integers [begin, end], got ${JSON.stringify(offs)}`);
  }
  const [begin, end] = offs as number[];
  if (begin < 0 || end < begin) fail(op, `${where}: invalid data_offsets [${begin},${end}] (need 0 ≤ begin ≤ end)`);
  if (end > dataLen)
    fail(op, `${where}: data_offsets [${begin},${end}] run past the data section (${dataLen} bytes; truncated file?)`);
  if (end - begin !== size * width) {
    fail(
      op,
      `${where}: shape ${fmt(shape as number[])} × ${width} bytes (${dtype}) = ${size * width} bytes, but data_offsets [${begin},${end}] span ${end - begin}`,
    );
  }
  return { name, dtype, shape: (shape as number[]).slice(), begin, end };
}

/**
 * The top-level keys of a (valid) JSON object in file order, or the first one
 * that appears twice. JSON.parse keeps the last duplicate silently and moves
 * integer-like keys ("0") to the front, so the order comes from the text.
 */
function headerKeys(text: string): { keys: string[]; dup: string | null } {
  const keys: string[] = [];
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return { keys, dup: key };
        seen.add(key);
        keys.push(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1;
    } else if (c === '}' || c === ']') depth--;
    else if (c === ',' && depth === 1) expectKey = true;
  }
  return { keys, dup: null };
}
