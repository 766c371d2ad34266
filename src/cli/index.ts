// SPDX-License-Identifier: MIT
// The `simdgrad` command (commander). Every subcommand has --help; a bad
// option or value is one `error: …` line from commander and exit code 1; any
// failure while running is one `simdgrad: …` line and exit code 1 (set
// SIMDGRAD_DEBUG=1 for the stack).

import process from 'node:process';
import { Command, Option } from 'commander';
import { activationsCommand } from './activations.js';
import { SIMD_CHOICES, threadsOption } from './engine.js';
import { evalCommand } from './evaluate.js';
import { benchCommand, infoCommand, packageVersion } from './info.js';
import { batchArg, exportCommand, opsetArg } from './onnx.js';
import {
  ACTIVATIONS,
  DATASETS,
  DEFAULT_LR,
  dropoutList,
  hiddenSizes,
  INITS,
  int32,
  nonNegativeNumber,
  OPTIMIZERS,
  type Optimizer,
  oneOf,
  positiveInt,
  positiveNumber,
  SCHEDULES,
} from './options.js';
import { quantizeCommand } from './quantize.js';
import { type TrainOptions, trainCommand } from './train.js';

function program(): Command {
  const cli = new Command('simdgrad')
    .description('Train and inspect MLPs on Fashion-MNIST with the simdgrad WebAssembly SIMD engine')
    .version(packageVersion(), '-V, --version')
    .showSuggestionAfterError(true)
    // commander puts "(Did you mean …?)" on a second line: keep errors to one line.
    .configureOutput({ outputError: (str, write) => write(`${str.trim().replace(/\s*\n\s*/g, ' ')}\n`) })
    .configureHelp({ sortSubcommands: false })
    .addOption(
      new Option('--simd <build>', 'wasm build: auto (relaxed SIMD where it validates), relaxed or simd128')
        .default('auto')
        .argParser(oneOf(SIMD_CHOICES)),
    )
    .addOption(
      new Option(
        '--threads <n>',
        "threads to compute with: auto (the machine's cores) or a number; same results either way",
      )
        .default('auto')
        .argParser(threadsOption),
    );

  cli
    .command('train')
    .description('train an MLP on Fashion-MNIST with a live progress bar; save the model and the learning curves')
    .addOption(new Option('--data <name>', 'dataset').default('fashion-mnist').argParser(oneOf(DATASETS)))
    .addOption(
      new Option('--hidden <sizes>', 'hidden layer widths, comma-separated')
        .default([256, 256], '256,256')
        .argParser(hiddenSizes),
    )
    .addOption(
      new Option('--activation <name>', `activation: ${ACTIVATIONS.join(', ')}`)
        .default('relu')
        .argParser(oneOf(ACTIVATIONS)),
    )
    .addOption(new Option('--epochs <n>', 'epochs').default(10).argParser(positiveInt))
    .addOption(new Option('--batch <n>', 'batch size').default(256).argParser(positiveInt))
    .addOption(
      new Option(
        '--lr <rate>',
        `learning rate (default ${DEFAULT_LR.sgd} for sgd, ${DEFAULT_LR.adam} for adam and adamw)`,
      ).argParser(positiveNumber),
    )
    .addOption(
      new Option('--optimizer <name>', `optimizer: ${OPTIMIZERS.join(', ')}`)
        .default('sgd')
        .argParser(oneOf(OPTIMIZERS)),
    )
    .addOption(new Option('--seed <n>', 'seed of the initial weights and the shuffling').default(0).argParser(int32))
    .addOption(new Option('--out <file>', 'where to save the model (safetensors)').default('model.safetensors'))
    .addOption(new Option('--plot <file>', 'where to save the learning curves (SVG)').default('curves.svg'))
    .option('--no-plot', 'do not write the learning curves')
    .addOption(
      new Option('--limit <n>', 'use only the first N train and N test images (class-balanced)').argParser(positiveInt),
    )
    .addOption(
      new Option(
        '--dropout <p>',
        'dropout after each hidden activation: one probability, or one per hidden layer (0.2,0.5)',
      ).argParser(dropoutList),
    )
    .addOption(
      new Option(
        '--weight-decay <w>',
        'weight decay (L2 for sgd/adam, decoupled for adamw; default 0, adamw 0.01)',
      ).argParser(nonNegativeNumber),
    )
    .addOption(
      new Option('--init <scheme>', "weights: pytorch (Linear's default), xavier (uniform) or kaiming (uniform, relu)")
        .default('pytorch')
        .argParser(oneOf(INITS)),
    )
    .addOption(
      new Option('--schedule <name>', 'learning rate per epoch: none, step (×0.1 every ⌈epochs/3⌉) or cosine (to 0)')
        .default('none')
        .argParser(oneOf(SCHEDULES)),
    )
    .addOption(
      new Option('--clip-grad-norm <x>', 'clip the gradients to this total 2-norm every step').argParser(
        positiveNumber,
      ),
    )
    .addOption(
      new Option('--val <n>', 'hold out N training images (balanced by class) and score them every epoch').argParser(
        positiveInt,
      ),
    )
    .addOption(
      new Option(
        '--patience <k>',
        'with --val: stop after K epochs without a better validation accuracy, keep the best weights',
      ).argParser(positiveInt),
    )
    .addOption(
      new Option('--checkpoint <file>', 'write a checkpoint (model, optimizer, schedule, epoch) after every epoch'),
    )
    .addOption(
      new Option('--resume <file>', 'continue a run from its checkpoint (--epochs counts from the start of training)'),
    )
    .addHelpText(
      'after',
      "\nThe defaults train the book's 784-256-256-10 ReLU MLP with SGD (lr 0.5), batch 256, 10 epochs.\nFor ≥ 0.89 test accuracy: simdgrad train --optimizer adam --epochs 20",
    )
    .action(async (_: unknown, cmd: Command) => {
      const o = cmd.optsWithGlobals<Omit<TrainOptions, 'lr'> & { lr?: number }>();
      const lr = o.lr ?? DEFAULT_LR[o.optimizer as Optimizer];
      if (o.patience !== undefined && o.val === undefined)
        cmd.error('error: --patience needs --val N (the held-out split it watches)');
      process.exitCode = await trainCommand({ ...o, lr });
    });

  cli
    .command('eval')
    .description('test accuracy and confusion matrix of a saved model')
    .requiredOption(
      '--model <file>',
      'a model saved by `simdgrad train` or `simdgrad quantize` (safetensors), or an ONNX file',
    )
    .addOption(new Option('--limit <n>', 'use only the first N test images (class-balanced)').argParser(positiveInt))
    .addOption(
      new Option('--activation <name>', 'override the activation stored in the file').argParser(oneOf(ACTIVATIONS)),
    )
    .action(async (_: unknown, cmd: Command) => {
      process.exitCode = await evalCommand(cmd.optsWithGlobals());
    });

  cli
    .command('export')
    .description('write a saved model (safetensors) as ONNX: Gemm/activation nodes any ONNX runtime loads')
    .requiredOption(
      '--model <file>',
      'a model saved by `simdgrad train` (or a PyTorch state_dict of the same nn.Sequential)',
    )
    .requiredOption('--out <file>', 'the ONNX file to write')
    .addOption(
      new Option('--batch <n>', 'the batch dim: a fixed size or a symbolic name (default N)').argParser(batchArg),
    )
    .addOption(new Option('--opset <n>', 'ONNX opset, 13 to 21').default(17).argParser(opsetArg))
    .action(async (_: unknown, cmd: Command) => {
      process.exitCode = await exportCommand(cmd.optsWithGlobals());
    });

  cli
    .command('quantize')
    .description(
      'int8 copy of a saved model: int8 weights with one float32 scale per output row (a quarter of the bytes)',
    )
    .requiredOption('--model <file>', 'a float32 model saved by `simdgrad train` (safetensors)')
    .requiredOption('--out <file>', 'where to write the int8 model (safetensors)')
    .action(async (_: unknown, cmd: Command) => {
      process.exitCode = await quantizeCommand(cmd.optsWithGlobals());
    });

  const plot = cli.command('plot').description('draw figures as SVG files');
  plot
    .command('activations')
    .description('relu, sigmoid, tanh and their derivatives (through the tape) as six SVG files')
    .requiredOption('--out <dir>', 'output directory')
    .action(async (_: unknown, cmd: Command) => {
      process.exitCode = await activationsCommand(cmd.optsWithGlobals());
    });

  cli
    .command('bench')
    .description('run the benchmark (bench/run.mjs, in the repository) with relaxed SIMD enabled')
    .argument('[args...]', 'passed on to bench/run.mjs')
    .allowUnknownOption(true)
    .action(async (args: string[]) => {
      process.exitCode = await benchCommand(args);
    });

  cli
    .command('info')
    .description('runtime, simdgrad version, the wasm build in use and its size')
    .action(async (_: unknown, cmd: Command) => {
      process.exitCode = await infoCommand(cmd.optsWithGlobals());
    });

  return cli;
}

/** Runs the CLI on `argv` (node-style: argv[0] node, argv[1] script). */
export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await program().parseAsync(argv);
  } catch (e) {
    const err = e as Error;
    if (process.env.SIMDGRAD_DEBUG) process.stderr.write(`${err.stack}\n`);
    const msg = String(err?.message ?? err).split('\n')[0];
    process.stderr.write(`simdgrad: ${msg}\n`);
    process.exitCode = 1;
  }
}

await main();
