// SPDX-License-Identifier: MIT
// ONNX's ModelProto as plain objects: decodeModel (bytes → Model) over the
// wire reader in wire.ts (encode.ts writes them). Field
// numbers are those of proto/onnx/onnx.proto (ONNX's own numbers); test/onnx
// checks both directions against @bufbuild/protobuf's code generated from that
// file. Only what simdgrad interprets is decoded; sub-graphs, functions, sparse
// tensors and non-tensor types are counted (so the importer can refuse them by
// name) but never parsed.

import { FIXED32, LEN, Reader, VARINT, WireError } from './wire.js';

export interface TensorP {
  name: string;
  dims: number[];
  dataType: number;
  raw: Uint8Array | null;
  floatData: number[];
  int32Data: number[];
  int64Data: number[];
  doubleData: number[];
  /** external_data entries, data_location = EXTERNAL, a segment or string data: all unsupported. */
  external: boolean;
  segment: boolean;
  strings: number;
}

export interface AttrP {
  name: string;
  type: number;
  f: number | null;
  i: number | null;
  s: Uint8Array | null;
  t: TensorP | null;
  floats: number[];
  ints: number[];
  /** Values simdgrad never takes (graphs, tensor lists, strings lists, sparse tensors). */
  other: number;
  refAttrName: string;
}

export interface NodeP {
  inputs: string[];
  outputs: string[];
  name: string;
  opType: string;
  domain: string;
  attrs: AttrP[];
}

export interface ValueInfoP {
  name: string;
  /** 'tensor', 'none' (no type given) or the other kind (sequence, map, …). */
  kind: string;
  elemType: number;
  /** Per dim: a size, a symbolic name, or null (unknown); null when no shape is given. */
  dims: (number | string | null)[] | null;
}

export interface GraphP {
  name: string;
  nodes: NodeP[];
  initializers: TensorP[];
  inputs: ValueInfoP[];
  outputs: ValueInfoP[];
  sparseInitializers: number;
}

export interface ModelP {
  irVersion: number;
  producerName: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  graph: GraphP | null;
  metadata: [string, string][];
  functions: number;
  trainingInfo: number;
}

function emptyTensor(): TensorP {
  return {
    name: '',
    dims: [],
    dataType: 0,
    raw: null,
    floatData: [],
    int32Data: [],
    int64Data: [],
    doubleData: [],
    external: false,
    segment: false,
    strings: 0,
  };
}

/** Reads the fields of a message: `on(field, wire)` must consume the value or return false to skip it. */
function fields(r: Reader, on: (field: number, wire: number) => boolean): void {
  while (!r.done) {
    const [field, wire] = r.key();
    if (!on(field, wire)) r.skip(wire);
  }
}

function str(r: Reader, field: number, wire: number): string {
  r.expect(field, wire, LEN);
  return r.string();
}

function int(r: Reader, field: number, wire: number): number {
  r.expect(field, wire, VARINT);
  return r.svarint();
}

function decodeTensor(r: Reader): TensorP {
  const t = emptyTensor();
  fields(r, (f, w) => {
    if (f === 1) r.ints(f, w, t.dims);
    else if (f === 2) t.dataType = int(r, f, w);
    else if (f === 3) {
      r.expect(f, w, LEN);
      r.span();
      t.segment = true;
    } else if (f === 4) r.floats(f, w, t.floatData);
    else if (f === 5) r.ints(f, w, t.int32Data);
    else if (f === 6) {
      r.expect(f, w, LEN);
      r.span();
      t.strings++;
    } else if (f === 7) r.ints(f, w, t.int64Data);
    else if (f === 8) t.name = str(r, f, w);
    else if (f === 9) {
      r.expect(f, w, LEN);
      t.raw = r.bytes();
    } else if (f === 10) r.doubles(f, w, t.doubleData);
    else if (f === 13) {
      r.expect(f, w, LEN);
      r.span();
      t.external = true;
    } else if (f === 14) {
      // read first: a short-circuit must never skip consuming the value
      const location = int(r, f, w);
      if (location !== 0) t.external = true;
    } else return false;
    return true;
  });
  return t;
}

function decodeAttr(r: Reader): AttrP {
  const a: AttrP = {
    name: '',
    type: 0,
    f: null,
    i: null,
    s: null,
    t: null,
    floats: [],
    ints: [],
    other: 0,
    refAttrName: '',
  };
  fields(r, (f, w) => {
    if (f === 1) a.name = str(r, f, w);
    else if (f === 2) {
      r.expect(f, w, FIXED32);
      a.f = r.float32();
    } else if (f === 3) a.i = int(r, f, w);
    else if (f === 4) {
      r.expect(f, w, LEN);
      a.s = r.bytes();
    } else if (f === 5) {
      r.expect(f, w, LEN);
      a.t = decodeTensor(r.sub());
    } else if (f === 7) r.floats(f, w, a.floats);
    else if (f === 8) r.ints(f, w, a.ints);
    else if (f === 20) a.type = int(r, f, w);
    else if (f === 21) a.refAttrName = str(r, f, w);
    else if (f === 6 || f === 9 || f === 10 || f === 11 || f === 22 || f === 23) {
      r.skip(w);
      a.other++;
    } else return false;
    return true;
  });
  return a;
}

function decodeNode(r: Reader): NodeP {
  const n: NodeP = { inputs: [], outputs: [], name: '', opType: '', domain: '', attrs: [] };
  fields(r, (f, w) => {
    if (f === 1) n.inputs.push(str(r, f, w));
    else if (f === 2) n.outputs.push(str(r, f, w));
    else if (f === 3) n.name = str(r, f, w);
    else if (f === 4) n.opType = str(r, f, w);
    else if (f === 5) {
      r.expect(f, w, LEN);
      n.attrs.push(decodeAttr(r.sub()));
    } else if (f === 7) n.domain = str(r, f, w);
    else return false;
    return true;
  });
  return n;
}

function decodeShape(r: Reader): (number | string | null)[] {
  const dims: (number | string | null)[] = [];
  fields(r, (f, w) => {
    if (f !== 1) return false;
    r.expect(f, w, LEN);
    const d = r.sub();
    let v: number | string | null = null;
    fields(d, (g, x) => {
      if (g === 1) v = int(d, g, x);
      else if (g === 2) v = str(d, g, x);
      else return false;
      return true;
    });
    dims.push(v);
    return true;
  });
  return dims;
}

const TYPE_KINDS: Record<number, string> = { 4: 'sequence', 5: 'map', 7: 'opaque', 8: 'sparse tensor', 9: 'optional' };

function decodeValueInfo(r: Reader): ValueInfoP {
  const v: ValueInfoP = { name: '', kind: 'none', elemType: 0, dims: null };
  fields(r, (f, w) => {
    if (f === 1) v.name = str(r, f, w);
    else if (f === 2) {
      r.expect(f, w, LEN);
      const t = r.sub();
      fields(t, (g, x) => {
        if (g === 1) {
          t.expect(g, x, LEN);
          v.kind = 'tensor';
          const tt = t.sub();
          fields(tt, (h, y) => {
            if (h === 1) v.elemType = int(tt, h, y);
            else if (h === 2) {
              tt.expect(h, y, LEN);
              v.dims = decodeShape(tt.sub());
            } else return false;
            return true;
          });
        } else if (TYPE_KINDS[g] !== undefined) {
          t.skip(x);
          v.kind = TYPE_KINDS[g];
        } else return false;
        return true;
      });
    } else return false;
    return true;
  });
  return v;
}

function decodeGraph(r: Reader): GraphP {
  const g: GraphP = { name: '', nodes: [], initializers: [], inputs: [], outputs: [], sparseInitializers: 0 };
  fields(r, (f, w) => {
    if (f === 1) {
      r.expect(f, w, LEN);
      g.nodes.push(decodeNode(r.sub()));
    } else if (f === 2) g.name = str(r, f, w);
    else if (f === 5) {
      r.expect(f, w, LEN);
      g.initializers.push(decodeTensor(r.sub()));
    } else if (f === 11) {
      r.expect(f, w, LEN);
      g.inputs.push(decodeValueInfo(r.sub()));
    } else if (f === 12) {
      r.expect(f, w, LEN);
      g.outputs.push(decodeValueInfo(r.sub()));
    } else if (f === 15) {
      r.expect(f, w, LEN);
      r.span();
      g.sparseInitializers++;
    } else return false;
    return true;
  });
  return g;
}

/** Decodes a ModelProto; throws WireError (a SimdgradError) on malformed or truncated bytes. */
export function decodeModel(bytes: Uint8Array): ModelP {
  const r = new Reader(bytes);
  const m: ModelP = {
    irVersion: 0,
    producerName: '',
    producerVersion: '',
    opsets: [],
    graph: null,
    metadata: [],
    functions: 0,
    trainingInfo: 0,
  };
  fields(r, (f, w) => {
    if (f === 1) m.irVersion = int(r, f, w);
    else if (f === 2) m.producerName = str(r, f, w);
    else if (f === 3) m.producerVersion = str(r, f, w);
    else if (f === 7) {
      r.expect(f, w, LEN);
      // proto2 merges a repeated singular message field; a second graph is refused by the importer.
      if (m.graph) throw new WireError('malformed protobuf: the ModelProto has two graphs');
      m.graph = decodeGraph(r.sub());
    } else if (f === 8) {
      r.expect(f, w, LEN);
      const o = r.sub();
      const op = { domain: '', version: 0 };
      fields(o, (g, x) => {
        if (g === 1) op.domain = str(o, g, x);
        else if (g === 2) op.version = int(o, g, x);
        else return false;
        return true;
      });
      m.opsets.push(op);
    } else if (f === 14) {
      r.expect(f, w, LEN);
      const e = r.sub();
      const kv: [string, string] = ['', ''];
      fields(e, (g, x) => {
        if (g === 1 || g === 2) kv[g - 1] = str(e, g, x);
        else return false;
        return true;
      });
      m.metadata.push(kv);
    } else if (f === 20) {
      r.expect(f, w, LEN);
      r.span();
      m.trainingInfo++;
    } else if (f === 25) {
      r.expect(f, w, LEN);
      r.span();
      m.functions++;
    } else return false;
    return true;
  });
  return m;
}
