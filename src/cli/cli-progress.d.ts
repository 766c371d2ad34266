// SPDX-License-Identifier: MIT
// The part of cli-progress@3 the CLI uses (the package ships no types and
// @types/cli-progress is not a dependency).
declare module 'cli-progress' {
  export interface Options {
    format?: string;
    barsize?: number;
    hideCursor?: boolean;
    clearOnComplete?: boolean;
    stream?: NodeJS.WritableStream;
    noTTYOutput?: boolean;
    fps?: number;
  }
  export class SingleBar {
    constructor(options: Options, preset?: object);
    start(total: number, start: number, payload?: Record<string, unknown>): void;
    update(value: number, payload?: Record<string, unknown>): void;
    stop(): void;
  }
  export const Presets: { shades_classic: object; legacy: object; rect: object; shades_grey: object };
  const cliProgress: { SingleBar: typeof SingleBar; Presets: typeof Presets };
  export default cliProgress;
}
