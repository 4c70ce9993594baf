// Bundles the CLI and everything it imports into dist/cli.js, so installing the published package pulls
// no dependencies at all (templates ship as files beside it).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['generators/cli.ts'],
  outdir: 'dist',
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
