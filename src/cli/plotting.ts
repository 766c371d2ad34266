// The CLI's figures come from simdgrad/plot, whose charts are drawn by the
// optional peer dependency echarts. It is loaded only by a command that draws,
// before any work starts, so a missing echarts is one clear message up front and
// every other command runs without it.
import type { line as Line } from 'simdgrad/plot';

export type LineFn = typeof Line;

/** simdgrad/plot's `line`, or an Error saying how to install echarts. */
export async function loadLine(option: string): Promise<LineFn> {
  try {
    return (await import('simdgrad/plot')).line;
  } catch (e) {
    const err = e as { code?: string; message?: string };
    if (err.code === 'ERR_MODULE_NOT_FOUND' && /echarts/.test(err.message ?? '')) {
      throw new Error(
        `${option} draws with the optional peer dependency echarts, which is not installed: npm install echarts`,
      );
    }
    throw e;
  }
}
