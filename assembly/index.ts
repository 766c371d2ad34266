// SPDX-License-Identifier: MIT
// THE kernel ABI: every kernel the TypeScript side may call, re-exported here and
// nowhere else. Kernels are pure functions of byte offsets (usize) and element
// counts (i32); they never allocate and keep no state between calls.

export { build_id, heap_base } from "./engine";
export { add_fwd, sub_fwd, mul_fwd, div_fwd, maximum_fwd, minimum_fwd, pow_fwd } from "./elementwise";
export { maximum_bwd, minimum_bwd, pow_bwd } from "./elementwise";
export { exp_fwd, log_fwd, sqrt_fwd, square_fwd, abs_fwd, neg_fwd } from "./elementwise";
export { exp_bwd, log_bwd, sqrt_bwd, square_bwd, abs_bwd } from "./elementwise";
export { fill_f32, copy_f32, scale_add } from "./elementwise";
export { act_fwd, act_bwd } from "./activations";
export { prelu_fwd, prelu_bwd } from "./prelu";
export { gemm_nn, gemm_nt, gemm_tn, gemm_ws_bytes, gemm_ws_set_tile, gemm_ws_set_call } from "./gemm";
export { gemm_tile_time, gemm_peak } from "./gemm_tune";
export { gemv_nt_pack, gemv_nt_pack_bytes } from "./gemv";
export { linear_fwd, linear_bwd, linear_packed_fwd } from "./linear";
export { sum_fwd, max_fwd, min_fwd, argmax_fwd, argmin_fwd, sum_to } from "./reduce";
export { softmax_fwd, softmax_bwd, log_softmax_fwd, log_softmax_bwd, softmax_xent_fwd, softmax_xent_bwd } from "./softmax";
export { sgd_step, adam_step, grad_norm, grad_scale } from "./optim";
export { huber_fwd, huber_bwd } from "./losses";
export { cos_f64 } from "./math";
export { rand_fill, randn_fill, dropout_fwd, dropout_bwd } from "./rng";
export {
  int8_chain_scratch_bytes, int8_dot_mode, int8_pack, int8_pack_bytes, int8_quantize_rows, int8_scratch_bytes,
  linear_int8_chain, linear_int8_fwd,
} from "./int8";
export { gemm_part, linear_bwd_part } from "./parts";
