# workerd config for the runtime suite: the built package (build/index.js) under
# its name `simdgrad`, the simd128 kernel module under `simdgrad/wasm/simd128.wasm`
# (imported as a wasm module), the shared workload, and one HTTP socket. The test
# overrides the socket address with --socket-addr http=127.0.0.1:<free port>.
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .workloadWorker)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const workloadWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "workload.js", esModule = embed "../workload.js"),
    (name = "simdgrad", esModule = embed "../../../build/index.js"),
    (name = "simdgrad/wasm/simd128.wasm", wasm = embed "../../../build/simd128.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
