// SPDX-License-Identifier: MIT
// Training checkpoints: ONE safetensors file holding the model (`model.<name>`),
// the optimizer's state with PyTorch's names (`optimizer.state.0.exp_avg`, …),
// and, in `__metadata__`, the epoch, the optimizer's type and param groups (the
// learning rate as an exact JSON number), the scheduler's state and the
// caller's own string record. Loading checks everything it can before writing
// and rolls back what it wrote when a later part fails, so a checkpoint for
// another architecture or optimizer, or a corrupted file, is one SimdgradError
// naming the entry, and the model, optimizer and scheduler are left as they were.

import { describe, fail, SimdgradError } from '../errors.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { LRScheduler, SchedulerState } from '../optim/schedulers.js';
import { Tensor } from '../tensor.js';
import { loadSafetensors, saveSafetensors } from './safetensors.js';

const FORMAT = 'simdgrad.checkpoint/1';

/** What a checkpoint saves and restores: the model, its optimizer and optionally a scheduler. */
export interface CheckpointParts {
  /** The model whose parameters are saved (as `model.<name>`). */
  model: Module;
  /** The optimizer whose state and learning rate are saved. */
  optimizer: Optimizer;
  /** A learning-rate scheduler whose state is saved. */
  scheduler?: LRScheduler;
}

/** Options of {@link saveCheckpoint}: the parts, the epoch reached and the caller's metadata. */
export interface SaveCheckpointOptions extends CheckpointParts {
  /** The number of epochs completed (a non-negative integer). */
  epoch: number;
  /** The caller's own string record (e.g. the architecture), returned by loadCheckpoint. */
  metadata?: Record<string, string>;
  /** More tensors to keep with the run (e.g. the best weights so far), stored as `extra.<name>`. */
  extra?: Map<string, Tensor>;
}

/** Serializes model, optimizer state, scheduler state and epoch to one safetensors file. */
export function saveCheckpoint(options: SaveCheckpointOptions): Uint8Array {
  const op = 'saveCheckpoint';
  if (options === null || typeof options !== 'object')
    fail(op, `expected { model, optimizer, epoch }, got ${describe(options)}`);
  const { model, optimizer, scheduler, epoch, metadata = {}, extra } = options;
  if (extra !== undefined && !(extra instanceof Map))
    fail(op, `extra must be a Map<string, Tensor>, got ${describe(extra)}`);
  if (!model || typeof model.stateDict !== 'function') fail(op, `model must be a Module, got ${describe(model)}`);
  if (!optimizer || typeof optimizer.stateDict !== 'function')
    fail(op, `optimizer must be an optimizer, got ${describe(optimizer)}`);
  if (scheduler !== undefined && (scheduler === null || typeof scheduler.stateDict !== 'function'))
    fail(op, `scheduler must be a scheduler, got ${describe(scheduler)}`);
  if (!Number.isSafeInteger(epoch) || epoch < 0)
    fail(op, `epoch must be a non-negative integer, got ${describe(epoch)}`);
  if (metadata === null || typeof metadata !== 'object' || Object.values(metadata).some((v) => typeof v !== 'string'))
    fail(op, `metadata must be an object of strings, got ${describe(metadata)}`);
  const opt = optimizer.stateDict();
  try {
    const map = new Map<string, Tensor>();
    for (const [k, t] of model.stateDict()) map.set(`model.${k}`, t);
    for (const [k, t] of opt) map.set(`optimizer.${k}`, t);
    for (const [k, t] of extra ?? []) map.set(`extra.${k}`, t);
    const meta: Record<string, string> = {
      format: FORMAT,
      epoch: String(epoch),
      optimizer: JSON.stringify({ type: optimizer.kind, paramGroups: opt.paramGroups }),
      metadata: JSON.stringify(metadata),
    };
    if (scheduler) meta.scheduler = JSON.stringify(scheduler.stateDict());
    return saveSafetensors(map, { metadata: meta });
  } finally {
    for (const t of opt.values()) t.dispose();
  }
}

function json(op: string, what: string, text: string | undefined): unknown {
  if (text === undefined) fail(op, `the checkpoint has no ${what} entry in its metadata`);
  try {
    return JSON.parse(text);
  } catch {
    return fail(op, `the checkpoint's ${what} metadata is not valid JSON`);
  }
}

/** Reruns `fn`, prefixing a SimdgradError's message with where it happened. */
function within<T>(op: string, part: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SimdgradError) throw new SimdgradError(`${op}: ${part}: ${e.message}`);
    throw e;
  }
}

/**
 * Restores a saveCheckpoint() file into `model`, `optimizer` (state and learning
 * rate) and `scheduler`, so training resumes bit for bit. Returns the epoch, the
 * caller's metadata and the `extra` tensors (new tensors the caller owns). Anything wrong — a corrupted file, an entry of another
 * architecture, another optimizer type, a scheduler state without a scheduler —
 * is a SimdgradError naming it, with nothing half-loaded.
 */
export function loadCheckpoint(
  bytes: Uint8Array | ArrayBuffer,
  parts: CheckpointParts,
): {
  /** The number of epochs completed when the checkpoint was saved. */
  epoch: number;
  /** The caller's string record given to saveCheckpoint. */
  metadata: Record<string, string>;
  /** The `extra` tensors given to saveCheckpoint (new tensors the caller owns). */
  extra: Map<string, Tensor>;
} {
  const op = 'loadCheckpoint';
  if (parts === null || typeof parts !== 'object') fail(op, `expected { model, optimizer }, got ${describe(parts)}`);
  const { model, optimizer, scheduler } = parts;
  if (!model || typeof model.loadStateDict !== 'function') fail(op, `model must be a Module, got ${describe(model)}`);
  if (!optimizer || typeof optimizer.loadStateDict !== 'function')
    fail(op, `optimizer must be an optimizer, got ${describe(optimizer)}`);
  const file = within(op, 'file', () => loadSafetensors(bytes));
  const kept = new Set<Tensor>();
  try {
    const meta = file.metadata ?? {};
    if (meta.format !== FORMAT) fail(op, `not a simdgrad checkpoint (metadata format is ${describe(meta.format)})`);
    const epoch = Number(meta.epoch);
    if (!/^\d+$/.test(meta.epoch ?? '') || !Number.isSafeInteger(epoch)) fail(op, `bad epoch ${describe(meta.epoch)}`);
    const o = json(op, 'optimizer', meta.optimizer) as { type?: unknown; paramGroups?: unknown };
    if (o === null || typeof o !== 'object') fail(op, 'the optimizer metadata must be an object');
    if (o.type !== optimizer.kind)
      fail(
        op,
        `the checkpoint holds ${JSON.stringify(o.type)} optimizer state, but the optimizer is ${optimizer.kind}`,
      );
    const user = json(op, 'metadata', meta.metadata) as Record<string, string>;
    if (user === null || typeof user !== 'object' || Object.values(user).some((v) => typeof v !== 'string'))
      fail(op, 'the caller metadata must be an object of strings');
    const sched = meta.scheduler === undefined ? null : (json(op, 'scheduler', meta.scheduler) as SchedulerState);
    if (sched && !scheduler)
      fail(op, `the checkpoint holds ${JSON.stringify(sched.type)} scheduler state: pass a scheduler`);
    if (!sched && scheduler) fail(op, `the checkpoint has no scheduler state for the ${scheduler.type} passed`);
    const modelMap = new Map<string, Tensor>();
    const optMap = new Map<string, Tensor>() as Map<string, Tensor> & { paramGroups?: unknown };
    optMap.paramGroups = o.paramGroups;
    const extra = new Map<string, Tensor>();
    for (const [k, t] of file) {
      if (!(t instanceof Tensor))
        fail(op, `entry ${JSON.stringify(k)} is int8 (I8): a checkpoint holds float32 training state`);
      if (k.startsWith('model.')) modelMap.set(k.slice(6), t);
      else if (k.startsWith('optimizer.')) optMap.set(k.slice(10), t);
      else if (k.startsWith('extra.')) extra.set(k.slice(6), t);
      else
        fail(op, `unexpected entry ${JSON.stringify(k)} (a checkpoint holds model.*, optimizer.* and extra.* tensors)`);
    }
    // model (atomic), then optimizer, then scheduler; each later failure restores the earlier parts
    const prevModel = snapshot(model);
    within(op, 'model', () => model.loadStateDict(modelMap));
    const prevOpt = optimizer.stateDict();
    try {
      within(op, 'optimizer', () => optimizer.loadStateDict(optMap));
      if (scheduler && sched) {
        const prevSched = scheduler.stateDict();
        try {
          within(op, 'scheduler', () => scheduler.loadStateDict(sched));
        } catch (e) {
          scheduler.loadStateDict(prevSched);
          throw e;
        }
      }
    } catch (e) {
      optimizer.loadStateDict(prevOpt);
      model.loadStateDict(prevModel);
      throw e;
    } finally {
      for (const t of prevOpt.values()) t.dispose();
      for (const t of prevModel.values()) t.dispose();
    }
    for (const t of extra.values()) kept.add(t);
    return { epoch, metadata: { ...user }, extra };
  } finally {
    for (const t of file.values()) if (!(t instanceof Tensor && kept.has(t))) t.dispose();
  }
}

/** Copies of a module's parameters (to roll back). */
function snapshot(model: Module): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const [k, t] of model.stateDict()) out.set(k, t.clone());
  return out;
}
