// SPDX-License-Identifier: MIT
// `simdgrad train`: loads Fashion-MNIST, trains an MLP with a live progress
// bar and a per-epoch table, then writes the model (safetensors with the
// architecture in __metadata__) and the learning curves (SVG). Ctrl-C stops
// after the current batch and still writes what it has (exit code 130).

import * as fs from 'node:fs';
import * as path from 'node:path';
import process from 'node:process';
import cliProgress from 'cli-progress';
import * as sg from 'simdgrad';
import { line } from 'simdgrad/plot';
import { fashionMnist } from '../data/index.js';
import { type SimdChoice, startEngine, type ThreadsChoice } from './engine.js';
import { epochTableChunk, epochTableEnd, formatRate, formatSeconds } from './format.js';
import { buildModel, type EpochStats, type TrainConfig, trainLoop } from './loop.js';
import { modelMetadata } from './modelfile.js';
import type { Activation, Optimizer } from './options.js';

export interface TrainOptions {
  data: string;
  hidden: number[];
  activation: Activation;
  epochs: number;
  batch: number;
  lr: number;
  optimizer: Optimizer;
  seed: number;
  out: string;
  plot: string | false;
  limit?: number;
  simd?: SimdChoice;
  threads?: ThreadsChoice;
}

export async function trainCommand(o: TrainOptions): Promise<number> {
  const started = performance.now();
  await startEngine(o.simd, o.threads);
  const train = fashionMnist({ split: 'train', limit: o.limit });
  const test = fashionMnist({ split: 'test', limit: o.limit });
  const loadSeconds = (performance.now() - started) / 1000;
  const cfg: TrainConfig = {
    sizes: [784, ...o.hidden, 10],
    activation: o.activation,
    epochs: o.epochs,
    batch: o.batch,
    lr: o.lr,
    optimizer: o.optimizer,
    seed: o.seed,
  };
  const out = process.stdout;
  out.write(
    `simdgrad ${sg.backend()} · MLP ${cfg.sizes.join('-')} ${cfg.activation} · ${cfg.optimizer} lr ${cfg.lr} · ` +
      `batch ${cfg.batch} · ${cfg.epochs} epochs · seed ${cfg.seed}\n` +
      `Fashion-MNIST: ${train.n} train, ${test.n} test images (loaded in ${formatSeconds(loadSeconds)})\n`,
  );

  const bar = new cliProgress.SingleBar(
    {
      format: 'epoch {epoch} [{bar}] {percentage}% | loss {loss} | acc {acc} | {sps} samples/s',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: true,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) {
      bar.stop(); // restores the cursor
      process.exit(130);
    }
    stopRequested = true;
    process.stderr.write('\nstopping after this batch (Ctrl-C again to quit now)…\n');
  };
  process.on('SIGINT', onSigint);

  const model = buildModel(cfg.sizes, cfg.activation, cfg.seed);
  let history: EpochStats[] = [];
  let stopped = false;
  try {
    ({ history, stopped } = await trainLoop(model, train, test, cfg, {
      onEpochStart: (epoch, batches) =>
        bar.start(batches, 0, { epoch: `${epoch}/${cfg.epochs}`, loss: '-', acc: '-', sps: '-' }),
      onBatch: (p) =>
        bar.update(p.done, { loss: p.loss.toFixed(4), acc: p.acc.toFixed(4), sps: formatRate(p.samplesPerSecond) }),
      onEpoch: (s) => {
        bar.stop();
        out.write(`${epochTableChunk(s, s.epoch === 1)}\n`);
      },
      shouldStop: () => stopRequested,
    }));
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
  }
  if (history.length > 0) out.write(`${epochTableEnd()}\n`);

  const written: string[] = [];
  if (history.length > 0) {
    writeFileAtomic(o.out, sg.io.saveSafetensors(model, { metadata: modelMetadata(cfg.sizes, cfg.activation) }));
    written.push(o.out);
    if (o.plot) {
      writeFileAtomic(o.plot, curvesSvg(history, cfg));
      written.push(o.plot);
    }
  }
  const total = (performance.now() - started) / 1000;
  const last = history.at(-1);
  const samples = history.reduce((a, s) => a + s.samples, 0);
  const trainSeconds = history.reduce((a, s) => a + s.samples / s.samplesPerSecond, 0);
  out.write(
    last
      ? `${stopped ? 'stopped' : 'done'}: ${history.length} epoch${history.length > 1 ? 's' : ''}, test acc ${last.testAcc.toFixed(4)}, ` +
          `train acc ${last.trainAcc.toFixed(4)}, loss ${last.trainLoss.toFixed(4)}, ${formatRate(samples / trainSeconds)} training samples/s, ` +
          `${formatSeconds(total)} total${written.length ? ` · wrote ${written.join(', ')}` : ''}\n`
      : 'stopped before the first epoch finished; nothing written\n',
  );
  return stopped ? 130 : 0;
}

/** d2l's Animator figure: train loss, train acc and test acc against the epoch. */
export function curvesSvg(history: EpochStats[], cfg: TrainConfig): string {
  return line({
    x: history.map((s) => s.epoch),
    ys: {
      'train loss': history.map((s) => s.trainLoss),
      'train acc': history.map((s) => s.trainAcc),
      'test acc': history.map((s) => s.testAcc),
    },
    xlabel: 'epoch',
    title: `MLP ${cfg.sizes.join('-')} ${cfg.activation}, ${cfg.optimizer} lr ${cfg.lr}`,
    width: 560,
    height: 360,
  });
}

/** Writes through a temp file and a rename so an interrupted write never leaves half a file. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw new Error(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
