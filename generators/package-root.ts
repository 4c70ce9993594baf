/** Where this package's own files (package.json, templates/) live, from source (tsx) or from dist/. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'templates'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('create-polyglot-backend: cannot find its own package root');
    dir = parent;
  }
}

export const PACKAGE_ROOT = findRoot();
export const TEMPLATES_DIR = path.join(PACKAGE_ROOT, 'templates');
export const GENERATOR_NAME = 'create-polyglot-backend';
export const GENERATOR_VERSION: string = (
  JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }
).version;
