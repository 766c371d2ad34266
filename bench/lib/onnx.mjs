// SPDX-License-Identifier: MIT
// A minimal ONNX protobuf writer for the bench: the MLP as Gemm(transB=1)/Relu
// nodes and a final Softmax, weights as raw_data initializers, so ONNX Runtime
// Web runs exactly the network the other engines run. Field numbers are from
// onnx/onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto, …).

/** Growable byte writer for protobuf wire format (varint = 0, fixed32 = 5, length-delimited = 2). */
class Writer {
  constructor() {
    this.buf = new Uint8Array(1024);
    this.n = 0;
  }
  ensure(k) {
    if (this.n + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + k) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
  }
  varint(v) {
    // Non-negative integers below 2^53 only (all the bench needs).
    this.ensure(10);
    let x = v;
    while (x >= 0x80) {
      this.buf[this.n++] = (x % 0x80) | 0x80;
      x = Math.floor(x / 0x80);
    }
    this.buf[this.n++] = x;
  }
  tag(field, wire) {
    this.varint(field * 8 + wire);
  }
  bytes(field, u8) {
    this.tag(field, 2);
    this.varint(u8.length);
    this.ensure(u8.length);
    this.buf.set(u8, this.n);
    this.n += u8.length;
  }
  string(field, s) {
    this.bytes(field, new TextEncoder().encode(s));
  }
  int(field, v) {
    this.tag(field, 0);
    this.varint(v);
  }
  float(field, v) {
    this.tag(field, 5);
    this.ensure(4);
    new DataView(this.buf.buffer).setFloat32(this.n, v, true);
    this.n += 4;
  }
  message(field, build) {
    const w = new Writer();
    build(w);
    this.bytes(field, w.finish());
  }
  finish() {
    return this.buf.slice(0, this.n);
  }
}

const FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTR_INT = 2; // AttributeProto.AttributeType.INT

function valueInfo(w, field, name, dims) {
  w.message(field, (v) => {
    v.string(1, name);
    v.message(2, (t) =>
      t.message(1, (tt) => {
        tt.int(1, FLOAT);
        tt.message(2, (shape) => {
          for (const d of dims) shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)));
        });
      }),
    );
  });
}

function node(w, op, inputs, outputs, attrs = {}) {
  w.message(1, (n) => {
    for (const i of inputs) n.string(1, i);
    for (const o of outputs) n.string(2, o);
    n.string(3, `${op}_${outputs[0]}`);
    n.string(4, op);
    for (const [name, value] of Object.entries(attrs)) {
      n.message(5, (a) => {
        a.string(1, name);
        a.int(3, value);
        a.int(20, ATTR_INT);
      });
    }
  });
}

function initializer(w, name, dims, f32) {
  w.message(5, (t) => {
    for (const d of dims) t.int(1, d);
    t.int(2, FLOAT);
    t.string(8, name);
    t.bytes(9, new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength));
  });
}

/**
 * The ONNX model bytes of an MLP: layers = [{ weight: Float32Array [out×in], bias: Float32Array [out] }],
 * sizes = [in, h1, …, out]; ReLU between layers, Softmax at the end. Input "x" [batch, in], output "probs".
 */
export function mlpOnnx(sizes, layers) {
  const m = new Writer();
  m.int(1, 8); // ir_version
  m.string(2, 'simdgrad-bench');
  m.message(8, (op) => {
    op.string(1, '');
    op.int(2, 17);
  });
  m.message(7, (g) => {
    let h = 'x';
    layers.forEach((_, i) => {
      const z = `z${i}`;
      node(g, 'Gemm', [h, `w${i}`, `b${i}`], [z], { transB: 1 });
      if (i < layers.length - 1) {
        node(g, 'Relu', [z], [`h${i}`]);
        h = `h${i}`;
      } else {
        node(g, 'Softmax', [z], ['probs'], { axis: 1 });
      }
    });
    g.string(2, 'mlp');
    layers.forEach((layer, i) => {
      initializer(g, `w${i}`, [sizes[i + 1], sizes[i]], layer.weight);
      initializer(g, `b${i}`, [sizes[i + 1]], layer.bias);
    });
    valueInfo(g, 11, 'x', ['batch', sizes[0]]);
    valueInfo(g, 12, 'probs', ['batch', sizes[sizes.length - 1]]);
  });
  return m.finish();
}
