// SPDX-License-Identifier: MIT
// The training loop of `simdgrad train` (d2l's train_ch3), written against
// the public API only. Per batch: one taped forward + fused softmax
// cross-entropy, backward, optimizer step, all inside `tidy` so the batch
// leaves nothing behind; the loss and the argmax are the only read-backs.
// It yields to the event loop between batches so Ctrl-C and the progress
// bar's timer get a turn.

import * as sg from 'simdgrad';
import { DataLoader } from '../data/index.js';
import { countCorrect } from './metrics.js';
import type { Activation, Optimizer } from './options.js';

export interface TrainConfig {
  sizes: number[];
  activation: Activation;
  epochs: number;
  batch: number;
  lr: number;
  optimizer: Optimizer;
  seed: number;
}

export interface EpochStats {
  epoch: number;
  trainLoss: number;
  trainAcc: number;
  testAcc: number;
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

export function buildModel(sizes: number[], activation: Activation, seed: number): Model {
  return new sg.nn.MLP(sizes, { activation, seed });
}

function buildOptimizer(model: Model, cfg: TrainConfig) {
  return cfg.optimizer === 'adam'
    ? new sg.optim.Adam(model.parameters(), { lr: cfg.lr })
    : new sg.optim.SGD(model.parameters(), { lr: cfg.lr });
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Trains in place; returns the per-epoch history and whether it was stopped early. */
export async function trainLoop(
  model: Model,
  train: Split,
  test: Split,
  cfg: TrainConfig,
  hooks: LoopHooks = {},
): Promise<{ history: EpochStats[]; stopped: boolean }> {
  const opt = buildOptimizer(model, cfg);
  const loader = new DataLoader(train.images, train.labels, { batchSize: cfg.batch, shuffle: true, seed: cfg.seed });
  const history: EpochStats[] = [];
  let stopped = false;
  for (let epoch = 1; epoch <= cfg.epochs && !stopped; epoch++) {
    model.train();
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
        loss.backward();
        opt.step();
        lossSum += loss.item() * y.length;
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
    const seconds = (performance.now() - t0) / 1000;
    const stats: EpochStats = {
      epoch,
      trainLoss: lossSum / seen,
      trainAcc: correct / seen,
      testAcc,
      seconds,
      samplesPerSecond: seen / trainSeconds,
      samples: seen,
      partial: stopped,
    };
    history.push(stats);
    hooks.onEpoch?.(stats);
  }
  return { history, stopped };
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
