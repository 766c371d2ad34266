// SPDX-License-Identifier: MIT
// `sg.io`: model files and training checkpoints.
export { type CheckpointParts, loadCheckpoint, type SaveCheckpointOptions, saveCheckpoint } from './checkpoint.js';
export { loadSafetensors, type SafetensorsMap, type SaveOptions, saveSafetensors } from './safetensors.js';
