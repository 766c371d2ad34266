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
import { fashionMnist } from '../data/index.js';
import { checkpointBytes, resumeFrom, runSettings } from './checkpoint.js';
import { type SimdChoice, startEngine, type ThreadsChoice } from './engine.js';
import { epochTableChunk, epochTableEnd, formatRate, formatSeconds } from './format.js';
import {
  type EpochStats,
  holdOut,
  type InitScheme,
  type Schedule,
  setupTraining,
  type TrainConfig,
  trainLoop,
} from './loop.js';
import { modelMetadata } from './modelfile.js';
import type { Activation, Optimizer } from './options.js';
import { checkOutputFile } from './paths.js';
import { type LineFn, loadLine } from './plotting.js';

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
  dropout?: number[];
  weightDecay?: number;
  init?: InitScheme;
  schedule?: Schedule;
  clipGradNorm?: number;
  val?: number;
  patience?: number;
  checkpoint?: string;
  resume?: string;
}

export async function trainCommand(o: TrainOptions): Promise<number> {
  // every output is checked before loading data or training (a bad --out fails now, not after the run)
  checkOutputFile('--out', o.out);
  if (o.plot) checkOutputFile('--plot', o.plot);
  if (o.plot && path.resolve(o.plot) === path.resolve(o.out)) throw new Error('--plot and --out name the same file');
  const line = o.plot ? await loadLine('--plot (curves.svg by default; --no-plot skips it)') : null;
  const started = performance.now();
  const hidden = o.hidden.length;
  const dropout = o.dropout?.length === 1 ? new Array<number>(hidden).fill(o.dropout[0]!) : (o.dropout ?? []);
  if (dropout.length !== (o.dropout ? hidden : 0)) {
    throw new Error(
      `--dropout gives ${o.dropout?.length} probabilities for ${hidden} hidden layers (give one, or one per layer)`,
    );
  }
  let resumeBytes: Uint8Array | null = null;
  if (o.resume) {
    try {
      resumeBytes = fs.readFileSync(o.resume);
    } catch (e) {
      throw new Error(`cannot read ${o.resume}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  await startEngine(o.simd, o.threads);
  const full = fashionMnist({ split: 'train', limit: o.limit });
  const test = fashionMnist({ split: 'test', limit: o.limit });
  const { train, val } = o.val !== undefined ? holdOut(full, o.val) : { train: full, val: undefined };
  const loadSeconds = (performance.now() - started) / 1000;
  const cfg: TrainConfig = {
    sizes: [784, ...o.hidden, 10],
    activation: o.activation,
    epochs: o.epochs,
    batch: o.batch,
    lr: o.lr,
    optimizer: o.optimizer,
    seed: o.seed,
    dropout: dropout.some((p) => p > 0) ? dropout : [],
    weightDecay: o.weightDecay,
    init: o.init,
    schedule: o.schedule,
    clipGradNorm: o.clipGradNorm,
    patience: o.patience,
  };
  const settings = runSettings(cfg, { val: o.val, limit: o.limit });
  const run = setupTraining(cfg);
  if (resumeBytes && o.resume) resumeFrom(run, resumeBytes, o.resume, settings);
  const extras = [
    cfg.dropout?.length ? `dropout ${cfg.dropout.join(',')}` : '',
    cfg.weightDecay !== undefined ? `weight decay ${cfg.weightDecay}` : '',
    cfg.init && cfg.init !== 'pytorch' ? `${cfg.init} init` : '',
    cfg.schedule && cfg.schedule !== 'none' ? `${cfg.schedule} schedule` : '',
    cfg.clipGradNorm !== undefined ? `clip ${cfg.clipGradNorm}` : '',
  ].filter(Boolean);
  const out = process.stdout;
  out.write(
    `simdgrad ${sg.backend()} · MLP ${cfg.sizes.join('-')} ${cfg.activation} · ${cfg.optimizer} lr ${cfg.lr} · ` +
      `batch ${cfg.batch} · ${cfg.epochs} epochs · seed ${cfg.seed}${extras.length ? ` · ${extras.join(' · ')}` : ''}\n` +
      `Fashion-MNIST: ${train.n} train, ${val ? `${val.n} validation, ` : ''}${test.n} test images (loaded in ${formatSeconds(loadSeconds)})\n` +
      (o.resume ? `resuming ${o.resume} after epoch ${run.epochsDone}\n` : ''),
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

  const model = run.model;
  let history: EpochStats[] = [];
  let stopped = false;
  let early = false;
  const withVal = val !== undefined;
  let rows = 0;
  try {
    ({ history, stopped, early } = await trainLoop(
      run,
      train,
      test,
      cfg,
      {
        onEpochStart: (epoch, batches) =>
          bar.start(batches, 0, { epoch: `${epoch}/${cfg.epochs}`, loss: '-', acc: '-', sps: '-' }),
        onBatch: (p) =>
          bar.update(p.done, { loss: p.loss.toFixed(4), acc: p.acc.toFixed(4), sps: formatRate(p.samplesPerSecond) }),
        onEpoch: (s) => {
          bar.stop();
          out.write(`${epochTableChunk(s, rows++ === 0, withVal)}\n`);
          if (o.checkpoint && !s.partial) writeFileAtomic(o.checkpoint, checkpointBytes(run, settings, cfg));
        },
        shouldStop: () => stopRequested,
      },
      val,
    ));
  } finally {
    bar.stop();
    process.off('SIGINT', onSigint);
  }
  if (history.length > 0) out.write(`${epochTableEnd(withVal)}\n`);
  if (early && run.best) {
    out.write(
      `early stop: no better validation accuracy for ${cfg.patience} epochs; kept the weights of epoch ${run.best.epoch} (val acc ${run.best.acc.toFixed(4)})\n`,
    );
  }

  const written: string[] = [];
  if (history.length > 0) {
    writeFileAtomic(o.out, sg.io.saveSafetensors(model, { metadata: modelMetadata(cfg.sizes, cfg.activation) }));
    written.push(o.out);
    if (o.checkpoint) written.push(o.checkpoint);
    if (o.plot) {
      writeFileAtomic(o.plot, curvesSvg(line as LineFn, history, cfg));
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
  if (run.best) for (const t of run.best.weights.values()) t.dispose();
  return stopped ? 130 : 0;
}

/** d2l's Animator figure: train loss, train acc and test acc against the epoch. */
export function curvesSvg(line: LineFn, history: EpochStats[], cfg: TrainConfig): string {
  return line({
    x: history.map((s) => s.epoch),
    ys: {
      'train loss': history.map((s) => s.trainLoss),
      'train acc': history.map((s) => s.trainAcc),
      'test acc': history.map((s) => s.testAcc),
      ...(history[0]?.valAcc !== undefined ? { 'val acc': history.map((s) => s.valAcc ?? Number.NaN) } : {}),
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
