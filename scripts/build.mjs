// Bundles the CLI and everything it imports into dist/cli.js, so installing the published package pulls
// no dependencies at all (templates ship as files beside it).
//
// Tests run the built CLI while other test files rebuild it, so dist/ is never deleted in place: the
// bundle goes to a fresh directory, and replaces dist/ only if it differs (one rename each way).
import { build } from 'esbuild';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const next = path.join(root, `.dist-next-${process.pid}`);

await build({
  entryPoints: [path.join(root, 'generators/cli.ts')],
  outdir: next,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  // Code behind dynamic import() (clack, execa) goes to chunks loaded only when needed.
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  minify: true,
  legalComments: 'linked',
  // CommonJS dependencies (ejs) call require(); give the ESM bundle one.
  banner: { js: "import { createRequire as __cpbRequire } from 'node:module'; const require = __cpbRequire(import.meta.url);" },
  logLevel: 'warning',
});

/** Every file below `dir`, relative, with its bytes. */
function snapshot(dir) {
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
  return new Map(files.map((e) => { const full = path.join(e.parentPath, e.name); return [path.relative(dir, full), readFileSync(full)]; }));
}

function same(a, b) {
  if (!a || !b || a.size !== b.size) return false;
  for (const [name, bytes] of a) if (!b.get(name)?.equals(bytes)) return false;
  return true;
}

if (same(snapshot(dist), snapshot(next))) {
  rmSync(next, { recursive: true, force: true });
} else {
  const old = path.join(root, `.dist-old-${process.pid}`);
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
}
