# workerd config for the runtime suite: the built package as the worker imports
# it: `simdgrad/onnx` is build/onnx.js, whose `./index.js` import workerd resolves
# to `simdgrad/index.js` (build/index.js), and `simdgrad` re-exports that module,
# so the workload and simdgrad/onnx share one engine; the kernel modules under `simdgrad/wasm/simd128.wasm` and
# `simdgrad/wasm/relaxed.wasm` (imported as wasm modules), the shared workload.
# Two services, each its own isolate and engine: `http` runs the simd128 build,
# `relaxed` the relaxed one (the SIMD binding picks). The test moves both sockets
# to free ports with --socket-addr <name>=127.0.0.1:<port>.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "simd128", worker = .simd128Worker),
    (name = "relaxed", worker = .relaxedWorker),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8787", http = (), service = "simd128"),
    (name = "relaxed", address = "127.0.0.1:8788", http = (), service = "relaxed"),
  ],
);

const modules :List(Workerd.Worker.Module) = [
  (name = "worker.js", esModule = embed "worker.js"),
  (name = "workload.js", esModule = embed "../workload.js"),
  (name = "simdgrad", esModule = "export * from 'simdgrad/index.js';"),
  (name = "simdgrad/index.js", esModule = embed "../../../build/index.js"),
  (name = "simdgrad/onnx", esModule = embed "../../../build/onnx.js"),
  (name = "simdgrad/wasm/simd128.wasm", wasm = embed "../../../build/simd128.wasm"),
  (name = "simdgrad/wasm/relaxed.wasm", wasm = embed "../../../build/relaxed.wasm"),
];

const simd128Worker :Workerd.Worker = (
  modules = .modules,
  bindings = [(name = "SIMD", text = "simd128")],
  compatibilityDate = "2025-09-01",
);

const relaxedWorker :Workerd.Worker = (
  modules = .modules,
  bindings = [(name = "SIMD", text = "relaxed")],
  compatibilityDate = "2025-09-01",
);
