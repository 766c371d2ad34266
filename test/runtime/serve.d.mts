// Types for serve.mjs.
import type { Browser } from 'playwright-core';
export const CSP: string;
export const CHROMIUM_ARGS: string[];
export const CHROMIUM_PATH: string;
export function freePort(): Promise<number>;
export function serveStatic(opts: {
  mounts: Record<string, string>;
  index?: string;
  csp?: string;
}): Promise<{ url: string; close: () => Promise<void> }>;
export function launchChromium(): Promise<Browser>;
