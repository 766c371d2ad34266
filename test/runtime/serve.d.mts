// Types for serve.mjs.
import type { Browser } from 'playwright-core';
export const CSP: string;
export const CHROMIUM_ARGS: string[];
export const SYSTEM_CHROMIUMS: string[];
export function findChromium(): Promise<{ executablePath: string; args: string[]; source: string }>;
export function freePort(): Promise<number>;
export function serveStatic(opts: {
  mounts: Record<string, string>;
  index?: string;
  csp?: string;
  /** Add the COOP/COEP headers (the page becomes crossOriginIsolated). */
  isolated?: boolean;
}): Promise<{ url: string; close: () => Promise<void> }>;
export function launchChromium(): Promise<Browser>;
