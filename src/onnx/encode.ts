// SPDX-License-Identifier: MIT
// encodeModel: the ModelProto exportOnnx writes (one graph, float32 tensors as
// raw_data, unpacked dims and ints as onnx's own serializer writes proto2
// repeated fields) with the field numbers of proto/onnx/onnx.proto.

import { Writer } from './wire.js';

export interface AttrOut {
  name: string;
  f?: number;
  i?: number;
  s?: string;
  ints?: number[];
}

export interface NodeOut {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs?: AttrOut[];
}

export interface ModelOut {
  irVersion: number;
  opset: number;
  producerName: string;
  producerVersion: string;
  graphName: string;
  nodes: NodeOut[];
  initializers: { name: string; dims: number[]; dataType: number; raw: Uint8Array }[];
  input: { name: string; dims: (number | string)[] };
  output: { name: string; dims: (number | string)[] };
  metadata?: [string, string][];
}

const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;
const FLOAT = 1;

function valueInfo(w: Writer, field: number, v: { name: string; dims: (number | string)[] }): void {
  w.message(field, (vi) => {
    vi.string(1, v.name);
    vi.message(2, (t) =>
      t.message(1, (tt) => {
        tt.int(1, FLOAT);
        tt.message(2, (s) => {
          for (const d of v.dims) s.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)));
        });
      }),
    );
  });
}

/** Encodes a ModelProto with one graph of float32 tensors. */
export function encodeModel(m: ModelOut): Uint8Array {
  const w = new Writer();
  w.int(1, m.irVersion);
  w.string(2, m.producerName);
  w.string(3, m.producerVersion);
  w.message(7, (g) => {
    for (const n of m.nodes) {
      g.message(1, (nw) => {
        for (const i of n.inputs) nw.string(1, i);
        for (const o of n.outputs) nw.string(2, o);
        nw.string(3, n.name);
        nw.string(4, n.opType);
        for (const a of n.attrs ?? []) {
          nw.message(5, (aw) => {
            aw.string(1, a.name);
            if (a.f !== undefined) aw.float(2, a.f).int(20, ATTR.FLOAT);
            else if (a.i !== undefined) aw.int(3, a.i).int(20, ATTR.INT);
            else if (a.s !== undefined) aw.string(4, a.s).int(20, ATTR.STRING);
            else if (a.ints !== undefined) {
              for (const v of a.ints) aw.int(8, v);
              aw.int(20, ATTR.INTS);
            }
          });
        }
      });
    }
    g.string(2, m.graphName);
    for (const t of m.initializers) {
      g.message(5, (tw) => {
        for (const d of t.dims) tw.int(1, d); // proto2 `repeated int64 dims`: unpacked, as onnx writes it
        tw.int(2, t.dataType);
        tw.string(8, t.name);
        tw.bytes(9, t.raw);
      });
    }
    valueInfo(g, 11, m.input);
    valueInfo(g, 12, m.output);
  });
  w.message(8, (o) => o.string(1, '').int(2, m.opset));
  for (const [k, v] of m.metadata ?? []) w.message(14, (e) => e.string(1, k).string(2, v));
  return w.finish();
}
