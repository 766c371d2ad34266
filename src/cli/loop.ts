// SPDX-License-Identifier: MIT
// The training loop of `simdgrad train` (d2l's train_ch3), written against
// the public API only. Per batch: one taped forward + fused softmax
// cross-entropy, backward, optional gradient clipping, optimizer step, all
// inside `tidy` so the batch leaves nothing behind; the loss and the argmax are
// the only read-backs. Per epoch: the scheduler steps, the validation split (if
// any) is scored and the best weights kept for early stopping. Every random
// draw of epoch e (shuffle, dropout masks) derives from (seed, e) alone, so a
// run resumed from a checkpoint after epoch k repeats epochs k+1… bit for bit.
// It yields to the event loop between batches so Ctrl-C and the progress
// bar's timer get a turn.

import * as sg from 'simdgrad';
import { DataLoader } from '../data/index.js';
import { countCorrect } from './metrics.js';
import type { Activation, Optimizer } from './options.js';

export type InitScheme = 'pytorch' | 'xavier' | 'kaiming';
export type Schedule = 'none' | 'step' | 'cosine';

export interface TrainConfig {
  sizes: number[];
  activation: Activation;
  epochs: number;
  batch: number;
  lr: number;
  optimizer: Optimizer;
  seed: number;
  /** Dropout after each hidden activation, one probability per hidden layer (empty: none). */
  dropout?: number[];
  weightDecay?: number;
  init?: InitScheme;
  schedule?: Schedule;
  clipGradNorm?: number;
  /** Stop after this many epochs without a better validation accuracy, keeping the best weights. */
  patience?: number;
}

/** Everything a run carries from epoch to epoch (and a checkpoint saves). */
export interface Training {
  model: Model;
  opt: sg.optim.Optimizer;
  sched: sg.optim.LRScheduler | null;
  /** Epochs completed. */
  epochsDone: number;
  /** Early stopping: the best validation accuracy so far, its epoch and weights. */
  best: { acc: number; epoch: number; weights: Map<string, sg.Tensor> } | null;
  /** Epochs since the best one. */
  bad: number;
}

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testAcc: number;
  /** Accuracy on the held-out validation split (with --val). */
  valAcc?: number;
  /** The learning rate the epoch trained with. */
  lr?: number;
  /** Wall time of the epoch: training batches plus the test evaluation. */
  seconds: number;
  /** Training samples per second of the training batches alone. */
  samplesPerSecond: number;
  samples: number;
  /** True when Ctrl-C cut this epoch short (its numbers cover the batches run). */
  partial: boolean;
}

export interface BatchProgress {
  epoch: number;
  done: number;
  total: number;
  loss: number;
  acc: number;
  samplesPerSecond: number;
}

export interface Split {
  images: Float32Array;
  labels: Int32Array;
  n: number;
}

export interface LoopHooks {
  onEpochStart?(epoch: number, batches: number): void;
  onBatch?(p: BatchProgress): void;
  onEpoch?(s: EpochStats): void;
  /** Polled between batches; true stops the run after the current batch. */
  shouldStop?(): boolean;
}

export type Model = InstanceType<typeof sg.nn.MLP>;

/**
 * The MLP of a run. `init`: 'pytorch' keeps Linear's default; 'xavier' draws
 * every weight with xavierUniform, 'kaiming' with kaimingUniform for relu
 * (both zero the biases), each layer seeded from `seed`.
 */
export function buildModel(
  sizes: number[],
  activation: Activation,
  seed: number,
  dropout: number[] = [],
  init: InitScheme = 'pytorch',
): Model {
  const model = new sg.nn.MLP(sizes, { activation, seed, dropout: dropout.length ? dropout : 0 });
  if (init !== 'pytorch') {
    let i = 0;
    model.apply((m) => {
      if (!(m instanceof sg.nn.Linear)) return;
      const s = seed + 104729 * ++i;
      if (init === 'xavier') sg.nn.init.xavierUniform(m.weight, { seed: s });
      else sg.nn.init.kaimingUniform(m.weight, { nonlinearity: 'relu', seed: s });
      if (m.bias) sg.nn.init.zeros(m.bias);
    });
  }
  return model;
}

function buildOptimizer(model: Model, cfg: TrainConfig): sg.optim.Optimizer {
  const lr = cfg.lr;
  if (cfg.optimizer === 'adam') return new sg.optim.Adam(model, { lr, weightDecay: cfg.weightDecay ?? 0 });
  if (cfg.optimizer === 'adamw') return new sg.optim.AdamW(model, { lr, weightDecay: cfg.weightDecay ?? 1e-2 });
  return new sg.optim.SGD(model, { lr, weightDecay: cfg.weightDecay ?? 0 });
}

/** 'step': lr × 0.1 every ⌈epochs / 3⌉ epochs; 'cosine': cosine annealing to 0 over the run. */
function buildScheduler(opt: sg.optim.Optimizer, cfg: TrainConfig): sg.optim.LRScheduler | null {
  if (cfg.schedule === 'step') return new sg.optim.StepLR(opt, { stepSize: Math.ceil(cfg.epochs / 3), gamma: 0.1 });
  if (cfg.schedule === 'cosine') return new sg.optim.CosineAnnealingLR(opt, { tMax: cfg.epochs });
  return null;
}

/** A fresh run: model, optimizer, scheduler, no epoch done. */
export function setupTraining(cfg: TrainConfig): Training {
  const model = buildModel(cfg.sizes, cfg.activation, cfg.seed, cfg.dropout, cfg.init);
  const opt = buildOptimizer(model, cfg);
  return { model, opt, sched: buildScheduler(opt, cfg), epochsDone: 0, best: null, bad: 0 };
}

/** The seed of every unseeded draw (dropout masks) of epoch `epoch` (1-based). */
export const epochSeed = (seed: number, epoch: number) => (seed >>> 0) * 65536 + epoch;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Trains epochs `run.epochsDone + 1 … cfg.epochs` in place; returns the
 * per-epoch history, whether Ctrl-C stopped it, and whether early stopping did
 * (then the best weights are back in the model).
 */
export async function trainLoop(
  run: Training,
  train: Split,
  test: Split,
  cfg: TrainConfig,
  hooks: LoopHooks = {},
  val?: Split,
): Promise<{ history: EpochStats[]; stopped: boolean; early: boolean }> {
  const { model, opt } = run;
  const loader = new DataLoader(train.images, train.labels, { batchSize: cfg.batch, shuffle: true, seed: cfg.seed });
  loader.epoch = run.epochsDone;
  const history: EpochStats[] = [];
  let stopped = false;
  let early = false;
  for (let epoch = run.epochsDone + 1; epoch <= cfg.epochs && !stopped && !early; epoch++) {
    model.train();
    sg.seed(epochSeed(cfg.seed, epoch));
    const lr = opt.lr;
    hooks.onEpochStart?.(epoch, loader.length);
    const t0 = performance.now();
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    let done = 0;
    for (const { x, y } of loader) {
      sg.tidy(() => {
        let logits: sg.Tensor | undefined;
        const loss = sg.autograd.record(() => {
          logits = model.forward(x);
          return sg.nn.softmaxCrossEntropy(logits, y);
        });
        const value = loss.item();
        if (!Number.isFinite(value)) {
          // stop before the step writes NaN/inf into the weights
          throw new Error(
            `training diverged: the loss is ${value} at epoch ${epoch}, batch ${done + 1} of ${loader.length}; ` +
              `lower the learning rate (--lr, now ${cfg.lr}) and train again`,
          );
        }
        loss.backward();
        if (cfg.clipGradNorm !== undefined) sg.optim.clipGradNorm(model, cfg.clipGradNorm);
        opt.step();
        lossSum += value * y.length;
        correct += countCorrect((logits as sg.Tensor).argmax(-1).data(), y);
      });
      x.dispose();
      seen += y.length;
      done++;
      const secs = (performance.now() - t0) / 1000;
      hooks.onBatch?.({
        epoch,
        done,
        total: loader.length,
        loss: lossSum / seen,
        acc: correct / seen,
        samplesPerSecond: secs > 0 ? seen / secs : 0,
      });
      await yieldToEventLoop();
      if (hooks.shouldStop?.()) {
        stopped = true;
        break;
      }
    }
    const trainSeconds = (performance.now() - t0) / 1000;
    const testAcc = evaluate(model, test, 2500).accuracy;
    const valAcc = val ? evaluate(model, val, 2500).accuracy : undefined;
    if (!stopped) {
      run.sched?.step();
      run.epochsDone = epoch;
      if (valAcc !== undefined) early = keepBest(run, valAcc, epoch, cfg.patience);
    }
    const seconds = (performance.now() - t0) / 1000;
    const stats: EpochStats = {
      epoch,
      trainLoss: lossSum / seen,
      trainAcc: correct / seen,
      testAcc,
      valAcc,
      lr,
      seconds,
      samplesPerSecond: seen / trainSeconds,
      samples: seen,
      partial: stopped,
    };
    history.push(stats);
    hooks.onEpoch?.(stats);
  }
  if (cfg.patience !== undefined && run.best && run.best.epoch !== run.epochsDone && !stopped) {
    model.loadStateDict(run.best.weights);
  }
  return { history, stopped, early };
}

/** Tracks the best validation accuracy (a copy of its weights); true when patience ran out. */
function keepBest(run: Training, acc: number, epoch: number, patience: number | undefined): boolean {
  if (!run.best || acc > run.best.acc) {
    const weights = new Map<string, sg.Tensor>();
    for (const [k, t] of run.model.stateDict()) weights.set(k, t.clone());
    if (run.best) for (const t of run.best.weights.values()) t.dispose();
    run.best = { acc, epoch, weights };
    run.bad = 0;
    return false;
  }
  run.bad++;
  return patience !== undefined && run.bad >= patience;
}

/**
 * Holds out `n` images of a split for validation, balanced by class (⌊n/10⌋
 * per class, one more for the first n mod 10 classes), taken from the end of
 * each class; the rest stays for training. Never touches the test split.
 */
export function holdOut(data: Split, n: number, classes = 10): { train: Split; val: Split } {
  const features = data.images.length / data.n;
  const quota = Array.from({ length: classes }, (_, c) => Math.floor(n / classes) + (c < n % classes ? 1 : 0));
  const isVal = new Uint8Array(data.n);
  for (let i = data.n - 1; i >= 0; i--) {
    const c = data.labels[i]!;
    if (quota[c]! > 0) {
      quota[c]!--;
      isVal[i] = 1;
    }
  }
  const short = quota.findIndex((q) => q > 0);
  if (short >= 0 || n >= data.n) {
    throw new sg.SimdgradError(
      `--val ${n}: the training split (${data.n} images) has too few images of class ${Math.max(short, 0)} to hold out ${n} balanced by class and still train`,
    );
  }
  const pick = (want: number): Split => {
    const idx: number[] = [];
    for (let i = 0; i < data.n; i++) if (isVal[i] === want) idx.push(i);
    const images = new Float32Array(idx.length * features);
    const labels = new Int32Array(idx.length);
    idx.forEach((i, r) => {
      images.set(data.images.subarray(i * features, (i + 1) * features), r * features);
      labels[r] = data.labels[i]!;
    });
    return { images, labels, n: idx.length };
  };
  return { train: pick(0), val: pick(1) };
}

/**
 * Predicted classes for a whole split, in batches of `batch` rows (large
 * batches: the test set takes a handful of GEMMs), with the model in eval mode.
 */
export function predict(model: Pick<Model, 'forward'> & { eval(): unknown }, data: Split, batch: number): Int32Array {
  const features = data.images.length / data.n;
  const pred = new Int32Array(data.n);
  model.eval();
  for (let start = 0; start < data.n; start += batch) {
    const b = Math.min(batch, data.n - start);
    sg.tidy(() => {
      const x = sg.tensor(data.images.subarray(start * features, (start + b) * features), [b, features]);
      pred.set(model.forward(x).argmax(-1).data(), start);
    });
  }
  return pred;
}

export function evaluate(model: Model, data: Split, batch: number): { accuracy: number; pred: Int32Array } {
  const pred = predict(model, data, batch);
  return { accuracy: countCorrect(pred, data.labels) / data.n, pred };
}
