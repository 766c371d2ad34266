// SPDX-License-Identifier: MIT
// `simdgrad train --checkpoint FILE` / `--resume FILE`: one io.saveCheckpoint
// file per run (model, optimizer, scheduler, epochs done) plus what the CLI
// needs to continue exactly: the settings that shape the numbers (a resume with
// other settings is refused, naming them), the early-stopping state and the
// best weights so far (as `extra.*` tensors).

import * as sg from 'simdgrad';
import type { TrainConfig, Training } from './loop.js';
import { modelMetadata } from './modelfile.js';

/** The settings a resumed run must share with the saved one (epochs too when a schedule depends on it). */
export function runSettings(cfg: TrainConfig, extra: { val?: number; limit?: number }): Record<string, unknown> {
  return {
    sizes: cfg.sizes,
    activation: cfg.activation,
    batch: cfg.batch,
    optimizer: cfg.optimizer,
    lr: cfg.lr,
    seed: cfg.seed,
    dropout: cfg.dropout ?? [],
    weightDecay: cfg.weightDecay ?? null,
    init: cfg.init ?? 'pytorch',
    schedule: cfg.schedule ?? 'none',
    epochs: (cfg.schedule ?? 'none') === 'none' ? null : cfg.epochs,
    clipGradNorm: cfg.clipGradNorm ?? null,
    patience: cfg.patience ?? null,
    val: extra.val ?? null,
    limit: extra.limit ?? null,
  };
}

export function checkpointBytes(run: Training, settings: Record<string, unknown>, cfg: TrainConfig): Uint8Array {
  return sg.io.saveCheckpoint({
    model: run.model,
    optimizer: run.opt,
    scheduler: run.sched ?? undefined,
    epoch: run.epochsDone,
    metadata: {
      ...modelMetadata(cfg.sizes, cfg.activation),
      settings: JSON.stringify(settings),
      best: JSON.stringify(run.best ? { acc: run.best.acc, epoch: run.best.epoch, bad: run.bad } : null),
    },
    extra: run.best?.weights,
  });
}

/** Loads a checkpoint into a fresh run; throws (naming the file and the differing settings) on a mismatch. */
export function resumeFrom(run: Training, bytes: Uint8Array, file: string, settings: Record<string, unknown>): void {
  const { epoch, metadata, extra } = sg.io.loadCheckpoint(bytes, {
    model: run.model,
    optimizer: run.opt,
    scheduler: run.sched ?? undefined,
  });
  let saved: Record<string, unknown> = {};
  try {
    saved = JSON.parse(metadata.settings ?? '{}');
  } catch {
    // reported as differing settings below
  }
  const diff = Object.keys(settings).filter((k) => JSON.stringify(saved[k]) !== JSON.stringify(settings[k]));
  if (diff.length) {
    for (const t of extra.values()) t.dispose();
    const show = (v: unknown) => (v === null || v === undefined ? 'unset' : JSON.stringify(v));
    throw new Error(
      `${file} was saved by a run with other settings: ${diff.map((k) => `${k} ${show(saved[k])} (now ${show(settings[k])})`).join(', ')}`,
    );
  }
  const best = JSON.parse(metadata.best ?? 'null') as { acc: number; epoch: number; bad: number } | null;
  run.epochsDone = epoch;
  if (best && extra.size) {
    run.best = { acc: best.acc, epoch: best.epoch, weights: extra };
    run.bad = best.bad;
  } else for (const t of extra.values()) t.dispose();
}
