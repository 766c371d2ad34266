// The GEMM register tile rule (src/engine/tile.ts): speed only, the bits are
// checked tile against tile in assembly/__tests__/gemm.spec.ts and across
// runtimes (which pick different tiles) by the golden digest in test/runtime.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { pickGemmTile, tileRows } from '../src/engine/tile.js';

describe('pickGemmTile', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('takes 6×8 on Node (this process) and maps tiles to rows', () => {
    expect(pickGemmTile()).toBe('6x8');
    expect(tileRows('6x8')).toBe(6);
    expect(tileRows('5x8')).toBe(5);
  });

  it('takes 5×8 on Deno, Bun, workerd and unknown hosts, 6×8 on Node ≥ 21 and Chromium', () => {
    const ua = (s: unknown) => vi.stubGlobal('navigator', { userAgent: s });
    ua('Node.js/22');
    expect(pickGemmTile()).toBe('6x8');
    ua('Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36');
    expect(pickGemmTile()).toBe('6x8');
    ua('Cloudflare-Workers');
    expect(pickGemmTile()).toBe('5x8');
    ua('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0');
    expect(pickGemmTile()).toBe('5x8');
    ua(undefined);
    expect(pickGemmTile()).toBe('5x8');
    ua('Deno/2.9.6');
    vi.stubGlobal('Deno', {});
    expect(pickGemmTile()).toBe('5x8');
    vi.unstubAllGlobals();
    vi.stubGlobal('Bun', {});
    expect(pickGemmTile()).toBe('5x8');
  });
});
