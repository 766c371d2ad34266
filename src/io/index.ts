// SPDX-License-Identifier: MIT
// `sg.io`: model files.
export { loadSafetensors, type SafetensorsMap, type SaveOptions, saveSafetensors } from './safetensors.js';
