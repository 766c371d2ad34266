// SPDX-License-Identifier: MIT
// The binary dataset cache: one file holding every image of a labelled
// dataset as uint8 pixels plus uint8 labels, behind a header that lets a
// reader reject a corrupt or partial file before trusting it.
//
// Layout (all integers little-endian u32):
//   0  magic "SGDATA\0\0" (8 bytes)
//   8  version            12 n (images)        16 pixels per image
//   20 classes            24 checksum of the body (see `checksum`)
//   28 body bytes         32 reserved (0)      36..63 reserved
//   64 body: labels (n bytes, zero-padded to a multiple of 4), then pixels (n × pixels bytes)
// Invariant: file length === 64 + body bytes; the checksum covers the whole body.

export const MAGIC = 'SGDATA\0\0';
export const VERSION = 1;
export const HEADER_BYTES = 64;

export interface RawDataset {
  /** Pixels, n × pixelsPerImage bytes, 0..255. */
  pixels: Uint8Array;
  /** Class index per image. */
  labels: Uint8Array;
  n: number;
  pixelsPerImage: number;
  classes: number;
}

const pad4 = (k: number): number => (k + 3) & ~3;

/**
 * A 32-bit hash of a byte run whose length is a multiple of 4: FNV-1a over
 * u32 words with a final avalanche. Integer-only (Math.imul), so every
 * runtime computes the same value; catches truncation, zeroed pages and
 * flipped bits.
 */
export function checksum(bytes: Uint8Array): number {
  if (bytes.byteLength % 4 !== 0) throw new Error('checksum: length must be a multiple of 4');
  const words =
    bytes.byteOffset % 4 === 0
      ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
      : new Uint32Array(bytes.slice().buffer);
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < words.length; i++) h = Math.imul(h ^ words[i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}

/** Serialises a dataset into the cache layout. */
export function encodeCache(ds: RawDataset): Uint8Array {
  const labelBytes = pad4(ds.n);
  const bodyBytes = labelBytes + ds.n * ds.pixelsPerImage;
  const out = new Uint8Array(HEADER_BYTES + pad4(bodyBytes));
  const body = out.subarray(HEADER_BYTES);
  body.set(ds.labels.subarray(0, ds.n), 0);
  body.set(ds.pixels.subarray(0, ds.n * ds.pixelsPerImage), labelBytes);
  const view = new DataView(out.buffer);
  for (let i = 0; i < 8; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, ds.n, true);
  view.setUint32(16, ds.pixelsPerImage, true);
  view.setUint32(20, ds.classes, true);
  view.setUint32(24, checksum(body), true);
  view.setUint32(28, bodyBytes, true);
  return out;
}

/**
 * Parses a cache file. Returns null (never throws) when the bytes are not a
 * complete, intact cache of the current version, so the caller rebuilds it.
 * The returned arrays are views into `bytes`.
 */
export function decodeCache(bytes: Uint8Array): RawDataset | null {
  if (bytes.byteLength < HEADER_BYTES) return null;
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC.charCodeAt(i)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  if (view.getUint32(8, true) !== VERSION) return null;
  const n = view.getUint32(12, true);
  const pixelsPerImage = view.getUint32(16, true);
  const classes = view.getUint32(20, true);
  const sum = view.getUint32(24, true);
  const bodyBytes = view.getUint32(28, true);
  const labelBytes = pad4(n);
  if (n === 0 || pixelsPerImage === 0 || classes === 0 || classes > 255) return null;
  if (bodyBytes !== labelBytes + n * pixelsPerImage) return null;
  if (bytes.byteLength !== HEADER_BYTES + pad4(bodyBytes)) return null;
  const body = bytes.subarray(HEADER_BYTES);
  if (checksum(body) !== sum) return null;
  const labels = body.subarray(0, n);
  for (let i = 0; i < n; i++) if (labels[i]! >= classes) return null;
  return { labels, pixels: body.subarray(labelBytes, labelBytes + n * pixelsPerImage), n, pixelsPerImage, classes };
}
