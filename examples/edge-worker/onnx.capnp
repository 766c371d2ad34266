# workerd config for onnx-worker.js: an ONNX model served on workerd.
# workerd names modules by path and resolves relative imports against them, so
# the core is `simdgrad/index.js` (build/onnx.js imports its sibling ./index.js)
# and `simdgrad` is a one-line module re-exporting it: the worker, importOnnx and
# the engine share one instance. (wrangler resolves the same imports through the
# package's exports; see README.md.) Produce the model first:
#   npm run build && node build/cli.js train --out m.safetensors
#   node build/cli.js export --model m.safetensors --out examples/edge-worker/model.onnx
# then: npx workerd serve examples/edge-worker/onnx.capnp   (listens on 127.0.0.1:8787)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .classifier)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const classifier :Workerd.Worker = (
  modules = [
    (name = "onnx-worker.js", esModule = embed "onnx-worker.js"),
    (name = "classify.js", esModule = embed "classify.js"),
    (name = "model.onnx", data = embed "model.onnx"),
    (name = "simdgrad", esModule = "export * from 'simdgrad/index.js';"),
    (name = "simdgrad/index.js", esModule = embed "../../build/index.js"),
    (name = "simdgrad/onnx", esModule = embed "../../build/onnx.js"),
    (name = "simdgrad/wasm/simd128.wasm", wasm = embed "../../build/simd128.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
