// The CLI checks every option before any work: an output path that cannot be
// written fails before the data loads or training starts (nothing printed on
// stdout, no file written), an empty --hidden is refused, and a diverging run
// stops at the first non-finite loss naming the epoch, the batch and --lr.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../build/cli.js', import.meta.url));
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'simdgrad-cli-checks-'));
fs.writeFileSync(path.join(tmp, 'notes.txt'), 'a file, not a folder\n');
fs.mkdirSync(path.join(tmp, 'adir'));

function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: tmp, encoding: 'utf8', timeout: 300_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('simdgrad: options checked before any work', () => {
  it.each([
    [
      ['train', '--out', 'notes.txt/m.safetensors'],
      /--out notes\.txt\/m\.safetensors: cannot create it: .*notes\.txt is a file, not a directory/,
    ],
    [['train', '--out', 'adir'], /--out adir: is a directory, expected a file path/],
    [['train', '--plot', 'notes.txt/c.svg'], /--plot notes\.txt\/c\.svg: cannot create it/],
    [['train', '--plot', 'same.safetensors', '--out', 'same.safetensors'], /--plot and --out name the same file/],
    [['train', '--out', ''], /--out: expected a file path, got an empty string/],
    [['plot', 'activations', '--out', 'notes.txt'], /--out notes\.txt: is a file, expected a directory/],
  ])('%j fails at once', (args, re) => {
    const before = fs.readdirSync(tmp).sort();
    const r = run(args as string[]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(re);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stdout).toBe(''); // no header: no data was loaded, nothing trained
    expect(fs.readdirSync(tmp).sort()).toEqual(before);
  });

  it('--hidden must name at least one layer', () => {
    const r = run(['train', '--hidden', '']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--hidden <sizes>.*expected at least one hidden layer width, e\.g\. 256,256/);
    expect(r.stdout).toBe('');
  });

  it('a diverging run stops at the first non-finite loss, naming the epoch, the batch and --lr, and writes nothing', () => {
    const r = run([
      'train',
      '--limit',
      '600',
      '--epochs',
      '3',
      '--lr',
      '1e9',
      '--out',
      'div.safetensors',
      '--plot',
      'div.svg',
    ]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /simdgrad: training diverged: the loss is (NaN|Infinity|-Infinity) at epoch \d+, batch \d+ of \d+; lower the learning rate \(--lr, now 1000000000\)/,
    );
    expect(fs.existsSync(path.join(tmp, 'div.safetensors'))).toBe(false);
    expect(fs.existsSync(path.join(tmp, 'div.svg'))).toBe(false);
  });
});
