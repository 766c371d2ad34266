# workerd config for the edge worker. Module names are what worker.js imports:
# `simdgrad` is the built core (build/index.js), `simdgrad/wasm/simd128.wasm` the
# kernels as a compiled wasm module, `model.safetensors` the model as data
# (an ArrayBuffer). Produce the model first:
#   npm run build && node build/cli.js train --out examples/edge-worker/model.safetensors
# then: npx workerd serve examples/edge-worker/config.capnp   (listens on 127.0.0.1:8787)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .classifier)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const classifier :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "classify.js", esModule = embed "classify.js"),
    (name = "model.safetensors", data = embed "model.safetensors"),
    (name = "simdgrad", esModule = embed "../../build/index.js"),
    (name = "simdgrad/wasm/simd128.wasm", wasm = embed "../../build/simd128.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
