// SPDX-License-Identifier: MIT
// Output paths checked before any work starts: a command that would train for
// minutes and then fail to save (a file where a directory should be, a folder
// without write permission, a directory named as the output file) fails first.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** The nearest existing ancestor of `p` (p itself if it exists). */
function existingAncestor(p: string): string {
  let cur = path.resolve(p);
  while (!fs.existsSync(cur)) {
    const up = path.dirname(cur);
    if (up === cur) break;
    cur = up;
  }
  return cur;
}

function check(option: string, target: string, kind: 'file' | 'directory'): void {
  const abs = path.resolve(target);
  if (target.trim() === '') throw new Error(`${option}: expected a ${kind} path, got an empty string`);
  if (fs.existsSync(abs)) {
    const isDir = fs.statSync(abs).isDirectory();
    if (kind === 'file' && isDir) throw new Error(`${option} ${target}: is a directory, expected a file path`);
    if (kind === 'directory' && !isDir) throw new Error(`${option} ${target}: is a file, expected a directory`);
  }
  const base = existingAncestor(kind === 'file' ? path.dirname(abs) : abs);
  if (!fs.statSync(base).isDirectory()) {
    throw new Error(`${option} ${target}: cannot create it: ${base} is a file, not a directory`);
  }
  try {
    fs.accessSync(base, fs.constants.W_OK);
  } catch {
    throw new Error(`${option} ${target}: cannot write there: ${base} is not writable`);
  }
}

/** Throws a one-line error naming the option unless `file` can be written (its folders created as needed). */
export function checkOutputFile(option: string, file: string): void {
  check(option, file, 'file');
}

/** Throws a one-line error naming the option unless `dir` is (or can be created as) a writable directory. */
export function checkOutputDir(option: string, dir: string): void {
  check(option, dir, 'directory');
}
