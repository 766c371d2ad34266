// `simdgrad export` and `simdgrad eval` on ONNX files, end to end (node
// build/cli.js): a model trained on a --limit subset is exported, ONNX Runtime
// Web computes the same logits as the safetensors model, `eval` reports the same
// accuracy for both files; bad paths fail before any work with one line.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fromBinary } from '@bufbuild/protobuf';
import * as sg from 'simdgrad';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchArg, batchDim, isOnnx, opsetArg } from '../../src/cli/onnx.js';
import { ModelProtoSchema } from './gen/onnx/onnx_pb.js';
import { expectClose, runOrt } from './ort.js';

const CLI = fileURLToPath(new URL('../../build/cli.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simdgrad-onnx-cli-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: tmp,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, SIMDGRAD_DEBUG: '' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

const accuracy = (stdout: string) => /test accuracy ([\d.]+)/.exec(stdout)?.[1];

describe('simdgrad export / eval with ONNX', () => {
  beforeAll(async () => {
    await sg.init({ simd: 'simd128' });
    const r = run([
      '--simd',
      'simd128',
      'train',
      '--limit',
      '1000',
      '--epochs',
      '1',
      '--hidden',
      '24',
      '--activation',
      'tanh',
      '--no-plot',
      '--out',
      'm.safetensors',
    ]);
    expect(r.status, r.stderr).toBe(0);
  }, 300_000);

  it('export writes an ONNX file ONNX Runtime runs to the same outputs; eval gives the same accuracy for both files', async () => {
    const r = run(['export', '--model', 'm.safetensors', '--out', 'm.onnx', '--batch', '4']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote m\.onnx: ONNX opset 17, MLP 784-24-10 tanh, input "input" \[4, 784\]/);
    const bytes = new Uint8Array(fs.readFileSync(path.join(tmp, 'm.onnx')));
    const decoded = fromBinary(ModelProtoSchema, bytes);
    expect(decoded.graph!.node.map((n) => n.opType)).toEqual(['Gemm', 'Tanh', 'Gemm']);
    const model = new sg.nn.MLP([784, 24, 10], { activation: 'tanh' });
    const w = sg.io.loadSafetensors(fs.readFileSync(path.join(tmp, 'm.safetensors')));
    model.loadStateDict(w);
    const x = sg.rand([4, 784], { seed: 1 });
    expectClose(await runOrt(bytes, 'input', x.data(), [4, 784]), model.forward(x).data());
    const a = run(['eval', '--model', 'm.onnx', '--limit', '500']);
    const b = run(['eval', '--model', 'm.safetensors', '--limit', '500']);
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/model m\.onnx: ONNX, 3 layers, Linear sizes 784-24-10/);
    expect(accuracy(a.stdout)).toBe(accuracy(b.stdout));
    expect(accuracy(a.stdout)).toMatch(/^0\.\d{4}$/);
  });

  it('bad files and paths: one line, non-zero exit, nothing written', () => {
    for (const [args, msg] of [
      [
        ['export', '--model', 'm.safetensors', '--out', 'missing/m.onnx'],
        /cannot write missing\/m\.onnx: directory .* does not exist/,
      ],
      [['export', '--model', 'none.safetensors', '--out', 'x.onnx'], /cannot read none\.safetensors: no such file/],
      [
        ['export', '--model', 'm.safetensors', '--out', 'x.onnx', '--opset', '9'],
        /--opset.*expected an ONNX opset from 13 to 21/,
      ],
      [
        ['export', '--model', 'm.safetensors', '--out', 'x.onnx', '--batch', '0'],
        /--batch.*positive integer or a name/,
      ],
      [['export', '--model', 'm.safetensors', '--out', 'x.onnx', '--opset', 'abc'], /--opset/],
      [['eval', '--model', 'm.safetensors.onnx'], /cannot read/],
    ] as [string[], RegExp][]) {
      const r = run(args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    fs.copyFileSync(path.join(tmp, 'm.safetensors'), path.join(tmp, 'junk.onnx'));
    const j = run(['eval', '--model', 'junk.onnx']);
    expect(j.status).toBe(1);
    expect(j.stderr).toMatch(/^simdgrad: junk\.onnx: importOnnx: the file is not a valid ONNX model/);
    expect(fs.existsSync(path.join(tmp, 'x.onnx'))).toBe(false);
  });

  it('helpers: ONNX by extension or by a non-safetensors header; the batch option', () => {
    const st = new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d]);
    expect(isOnnx('m.safetensors', st)).toBe(false);
    expect(isOnnx('m.ONNX', st)).toBe(true);
    expect(isOnnx('model.bin', new Uint8Array([8, 8, 18, 7]))).toBe(true);
    expect([batchDim(undefined), batchDim('16'), batchDim('batch')]).toEqual(['N', 16, 'batch']);
    expect([opsetArg('13'), opsetArg('21')]).toEqual([13, 21]);
    for (const bad of ['12', '22', '1e1', '']) expect(() => opsetArg(bad)).toThrow(/opset from 13 to 21/);
    expect(batchArg('batch_size')).toBe('batch_size');
    for (const bad of ['0', '-1', 'a b', '']) expect(() => batchArg(bad)).toThrow(/positive integer or a name/);
  });
});
