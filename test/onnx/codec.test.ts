// The hand-written protobuf reader (src/onnx/wire.ts, proto.ts) against the
// protobuf-es code generated from the same proto/onnx/onnx.proto: every field
// written by one is read identically by the other, in both wire forms of repeated
// scalars (packed and unpacked), including negative int64s; and the committed
// generated code is what `buf generate` makes from the committed .proto today.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import { describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/onnx/proto.js';
import { Reader, Writer } from '../../src/onnx/wire.js';
import { ModelProtoSchema, TensorProtoSchema } from './gen/onnx/onnx_pb.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('protobuf codec', () => {
  it('varints: every width, negatives as 10-byte two’s complement, exact within ±2^53', () => {
    const values = [
      0,
      1,
      127,
      128,
      300,
      2 ** 31 - 1,
      2 ** 31,
      2 ** 32 - 1,
      2 ** 32,
      2 ** 53 - 1,
      -1,
      -2,
      -(2 ** 31),
      -(2 ** 53 - 1),
    ];
    const w = new Writer();
    for (const v of values) w.varint(v);
    const r = new Reader(w.finish());
    for (const v of values) expect(r.svarint()).toBe(v);
    expect(r.done).toBe(true);
    // the same bytes as protobuf-es writes for int64 dims
    const es = toBinary(TensorProtoSchema, create(TensorProtoSchema, { dims: values.map(BigInt) }));
    const mine = new Writer();
    for (const v of values) mine.int(1, v);
    const t = decodeModelTensor(es);
    expect(t).toEqual(values);
    // proto2 `repeated int64 dims` is unpacked: both writers give the same bytes
    expect(Array.from(mine.finish())).toEqual(Array.from(es));
  });

  it('reads a model written by protobuf-es field for field (packed and unpacked repeated scalars)', () => {
    const m = create(ModelProtoSchema, {
      irVersion: 9n,
      producerName: 'ünïcode ✓',
      producerVersion: '1.2',
      opsetImport: [
        { domain: '', version: 19n },
        { domain: 'ai.onnx.ml', version: 3n },
      ],
      metadataProps: [{ key: 'k', value: 'v' }],
      graph: {
        name: 'g',
        node: [
          {
            input: ['x', 'W'],
            output: ['y'],
            name: 'n0',
            opType: 'Gemm',
            domain: '',
            attribute: [
              { name: 'alpha', type: 1, f: 0.5 },
              { name: 'transB', type: 2, i: -3n },
              { name: 'ints', type: 7, ints: [1n, -2n, 2n ** 40n] },
              { name: 'fs', type: 6, floats: [1.5, -2] },
              { name: 's', type: 3, s: new Uint8Array([104, 105]) },
            ],
          },
        ],
        initializer: [
          { name: 'W', dims: [2n, 3n], dataType: 1, floatData: [1, 2, 3, 4, 5, 6.5] },
          { name: 'H', dims: [2n], dataType: 10, int32Data: [0x3c00, 0xc000] },
          { name: 'S', dims: [2n], dataType: 7, int64Data: [-1n, 5n] },
          { name: 'R', dims: [1n], dataType: 1, rawData: new Uint8Array([0, 0, 128, 63]) },
        ],
        input: [
          {
            name: 'x',
            type: {
              value: {
                case: 'tensorType',
                value: {
                  elemType: 1,
                  shape: {
                    dim: [{ value: { case: 'dimParam', value: 'N' } }, { value: { case: 'dimValue', value: 3n } }, {}],
                  },
                },
              },
            },
          },
        ],
        output: [{ name: 'y', type: { value: { case: 'sequenceType', value: new Uint8Array([8, 1]) } } }],
      },
    });
    const bytes = toBinary(ModelProtoSchema, m);
    const d = decodeModel(bytes);
    expect([d.irVersion, d.producerName, d.producerVersion]).toEqual([9, 'ünïcode ✓', '1.2']);
    expect(d.opsets).toEqual([
      { domain: '', version: 19 },
      { domain: 'ai.onnx.ml', version: 3 },
    ]);
    expect(d.metadata).toEqual([['k', 'v']]);
    const g = d.graph!;
    const n = g.nodes[0];
    expect([n.inputs, n.outputs, n.name, n.opType]).toEqual([['x', 'W'], ['y'], 'n0', 'Gemm']);
    expect(n.attrs.map((a) => [a.name, a.type, a.f, a.i, a.ints, a.floats])).toEqual([
      ['alpha', 1, 0.5, null, [], []],
      ['transB', 2, null, -3, [], []],
      ['ints', 7, null, null, [1, -2, 2 ** 40], []],
      ['fs', 6, null, null, [], [1.5, -2]],
      ['s', 3, null, null, [], []],
    ]);
    expect(Array.from(n.attrs[4].s!)).toEqual([104, 105]);
    const [W, H, S, R] = g.initializers;
    expect([W.name, W.dims, W.dataType, W.floatData]).toEqual(['W', [2, 3], 1, [1, 2, 3, 4, 5, 6.5]]);
    expect([H.dims, H.dataType, H.int32Data]).toEqual([[2], 10, [0x3c00, 0xc000]]);
    expect(S.int64Data).toEqual([-1, 5]);
    expect(Array.from(R.raw!)).toEqual([0, 0, 128, 63]);
    expect(g.inputs[0]).toEqual({ name: 'x', kind: 'tensor', elemType: 1, dims: ['N', 3, null] });
    expect(g.outputs[0].kind).toBe('sequence');
  });

  it('unpacked repeated floats and ints (proto2 default for dims and ints) read like packed ones', () => {
    const w = new Writer();
    w.message(7, (g) =>
      g.message(5, (t) => {
        t.int(1, 2).int(1, 2).int(2, 1).float(4, 1).float(4, 2).float(4, 3).float(4, 4);
      }),
    );
    const t = decodeModel(w.finish()).graph!.initializers[0];
    expect([t.dims, t.floatData]).toEqual([
      [2, 2],
      [1, 2, 3, 4],
    ]);
  });

  it('the committed generated code is what buf generates from the committed proto', () => {
    const dir = mkdtempSync(join(tmpdir(), 'simdgrad-buf-'));
    try {
      const config = readFileSync(join(root, 'buf.gen.yaml'), 'utf8').replace('out: test/onnx/gen', `out: ${dir}`);
      const cfg = join(dir, 'buf.gen.yaml');
      writeFileSync(cfg, config);
      execFileSync(join(root, 'node_modules/.bin/buf'), ['generate', '--template', cfg], {
        cwd: root,
        stdio: 'pipe',
        timeout: 60_000,
      });
      expect(readFileSync(join(dir, 'onnx/onnx_pb.ts'), 'utf8')).toBe(
        readFileSync(join(root, 'test/onnx/gen/onnx/onnx_pb.ts'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

/** dims of a TensorProto written by protobuf-es, read back by the hand-written reader. */
function decodeModelTensor(tensorBytes: Uint8Array): number[] {
  const w = new Writer();
  w.message(7, (g) => g.bytes(5, tensorBytes));
  return decodeModel(w.finish()).graph!.initializers[0].dims;
}
