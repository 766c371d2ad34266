// SPDX-License-Identifier: MIT
// Panel packing for the GEMM (internal). Packing copies bits (no arithmetic) and
// absorbs the transposes, so NN, NT and TN share one micro-kernel:
//   A panel: kc steps of MR (5 or 6) floats (the rows of A at one k), rows past M zero;
//   B panel: kc steps of NR=8 floats (the 8 columns of B at one k), columns past N zero.
// "rows" layout: element (r, k) at base + (r·ld + k)·4; "cols": at base + (k·ld + r)·4.
// Full panels use v128 loads (4×4 transposes where needed); edge panels copy i32 bits.

/** 4×4 transpose of the rows r0..r3, stored as 4 vectors at dst, dst+step, … */
@inline
function transpose4(r0: v128, r1: v128, r2: v128, r3: v128, dst: usize, step: usize): void {
  const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
  const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
  const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
  v128.store(dst + step, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7));
  v128.store(dst + 2 * step, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5));
  v128.store(dst + 3 * step, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7));
}

/**
 * Packs `w` (≤ width, 4 or 8) lines of a "rows" matrix (line r at src + r·ld·4,
 * contiguous in k) into kc steps of `width` floats; lines w..width are zero.
 */
export function packRows(src: usize, ld: i32, w: i32, width: i32, kc: i32, dst: usize): void {
  const ldb = (<usize>ld) << 2;
  const stride = (<usize>width) << 2;
  if (w == width) {
    let k = 0;
    for (; k + 4 <= kc; k += 4) {
      const s = src + ((<usize>k) << 2);
      const d = dst + (<usize>k) * stride;
      let g = 0;
      for (; g + 4 <= width; g += 4) {
        const sg = s + (<usize>g) * ldb;
        transpose4(v128.load(sg), v128.load(sg + ldb), v128.load(sg + 2 * ldb), v128.load(sg + 3 * ldb),
          d + ((<usize>g) << 2), stride);
      }
      for (; g < width; g++) {
        const sg = s + (<usize>g) * ldb;
        for (let q = 0; q < 4; q++) store<u32>(d + (<usize>q) * stride + ((<usize>g) << 2), load<u32>(sg + ((<usize>q) << 2)));
      }
    }
    for (; k < kc; k++) {
      const s = src + ((<usize>k) << 2);
      const d = dst + (<usize>k) * stride;
      for (let r = 0; r < width; r++) store<u32>(d + ((<usize>r) << 2), load<u32>(s + (<usize>r) * ldb));
    }
  } else {
    for (let k = 0; k < kc; k++) {
      const s = src + ((<usize>k) << 2);
      const d = dst + (<usize>k) * stride;
      for (let r = 0; r < width; r++) {
        store<u32>(d + ((<usize>r) << 2), r < w ? load<u32>(s + (<usize>r) * ldb) : 0);
      }
    }
  }
}

/**
 * Packs `w` (≤ width) columns of a "cols" matrix (step k at src + k·ld·4, the
 * columns contiguous) into kc steps of `width` floats; columns w..width are zero.
 */
export function packCols(src: usize, ld: i32, w: i32, width: i32, kc: i32, dst: usize): void {
  const ldb = (<usize>ld) << 2;
  const stride = (<usize>width) << 2;
  if (w == width) {
    if (width == 8) {
      for (let k = 0; k < kc; k++) {
        const s = src + (<usize>k) * ldb;
        const d = dst + (<usize>k) * stride;
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else if (width == 4) {
      for (let k = 0; k < kc; k++) {
        v128.store(dst + (<usize>k) * stride, v128.load(src + (<usize>k) * ldb));
      }
    } else {
      for (let k = 0; k < kc; k++) {
        const s = src + (<usize>k) * ldb;
        const d = dst + (<usize>k) * stride;
        v128.store(d, v128.load(s));
        for (let r = 4; r < width; r++) store<u32>(d + ((<usize>r) << 2), load<u32>(s + ((<usize>r) << 2)));
      }
    }
  } else {
    for (let k = 0; k < kc; k++) {
      const s = src + (<usize>k) * ldb;
      const d = dst + (<usize>k) * stride;
      for (let r = 0; r < width; r++) {
        store<u32>(d + ((<usize>r) << 2), r < w ? load<u32>(s + ((<usize>r) << 2)) : 0);
      }
    }
  }
}
