# workerd config for the edge worker serving the int8 model: the same worker.js,
# with `model.safetensors` bound to the file `simdgrad quantize` writes. Produce it:
#   npm run build && node build/cli.js train --out examples/edge-worker/model.safetensors
#   node build/cli.js quantize --model examples/edge-worker/model.safetensors --out examples/edge-worker/model.int8.safetensors
# then: npx workerd serve examples/edge-worker/config.int8.capnp   (listens on 127.0.0.1:8787)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .classifier)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const classifier :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
    (name = "classify.js", esModule = embed "classify.js"),
    (name = "model.safetensors", data = embed "model.int8.safetensors"),
    (name = "simdgrad", esModule = embed "../../build/index.js"),
    (name = "simdgrad/wasm/simd128.wasm", wasm = embed "../../build/simd128.wasm"),
  ],
  compatibilityDate = "2025-09-01",
);
