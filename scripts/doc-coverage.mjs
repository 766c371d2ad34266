// Every public symbol and member has a doc comment: reads TypeDoc's JSON model of
// the public entry points (typedoc.json) and lists each class, interface, function,
// method, property, accessor, type alias, variable and namespace without one.
// TypeDoc's own notDocumented validation misses methods declared through module
// augmentation (the Tensor op methods), so this walks the model itself.
// Usage: node scripts/doc-coverage.mjs [model.json]  (builds the model when omitted)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
let file = process.argv[2];
let tmp;
if (!file) {
  tmp = mkdtempSync(join(tmpdir(), 'simdgrad-docs-'));
  file = join(tmp, 'api.json');
  execFileSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--json', file, '--emit', 'none'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
const model = JSON.parse(readFileSync(file, 'utf8'));
if (tmp) rmSync(tmp, { recursive: true, force: true });

// TypeDoc's ReflectionKind values
const KIND = {
  1: 'Project',
  2: 'Module',
  4: 'Namespace',
  32: 'Variable',
  64: 'Function',
  128: 'Class',
  256: 'Interface',
  512: 'Constructor',
  1024: 'Property',
  2048: 'Method',
  262144: 'Accessor',
  2097152: 'TypeAlias',
  4194304: 'Reference',
};
const has = (c) => !!c && ((c.summary ?? []).some((p) => p.text.trim()) || (c.blockTags ?? []).length > 0);
const missing = [];

function documented(r) {
  if (has(r.comment)) return true;
  for (const s of [...(r.signatures ?? []), r.getSignature, r.setSignature]) if (s && has(s.comment)) return true;
  return false;
}

function walk(r, path) {
  const kind = KIND[r.kind];
  const name = path ? `${path}.${r.name}` : r.name;
  const inherited = r.inheritedFrom || r.flags?.isExternal;
  const check =
    kind && !['Project', 'Module', 'Reference', 'Constructor'].includes(kind) && !inherited && !r.flags?.isPrivate;
  if (check && !documented(r)) missing.push(`${name} (${kind})`);
  // members of a class, an interface or a namespace; not the members of object types
  if (['Project', 'Module', 'Namespace', 'Class', 'Interface'].includes(kind)) {
    for (const c of r.children ?? []) walk(c, kind === 'Project' ? '' : name);
  }
}
walk(model, '');
if (missing.length) {
  console.error(`doc-coverage: ${missing.length} public symbols and members have no doc comment:`);
  for (const m of missing) console.error(`  ${m}`);
  process.exit(1);
}
console.log('doc-coverage: every public symbol and member is documented');
