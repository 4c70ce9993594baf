#!/usr/bin/env node
// Req/s of the generated Express starter vs a bare Express 5 app on GET /healthz, side by side in one run.
// Both run from the same generated project (same express, same node) under the same wrk load.
//   node bench/express-rps.mjs [--rounds 3] [--duration 10] [--connections 50]
// Needs: wrk (apt-get install wrk), `npm run build`, the npm registry for the starter's install.
import fs from 'node:fs';
import path from 'node:path';
import { benchOptions, compare, REPO_ROOT, sh, startServer, workspace } from './lib/rps.mjs';

const opts = benchOptions();
const ws = workspace('cpb-bench-express-', opts.keep);
const project = path.join(ws.dir, 'bench-api');
const env = { ...process.env, CI: 'true', PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? '/bin/false' };

console.error('Generating, installing and building the starter…');
sh('node', [path.join(REPO_ROOT, 'bin/create-polyglot-backend.js'), 'bench-api', '--template', 'express', '--no-git'], ws.dir, env);
sh('npm', ['run', 'build'], project, env);
fs.writeFileSync(
  path.join(project, 'bare.mjs'),
  "import express from 'express';\nconst app = express();\napp.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });\napp.listen(Number(process.env.PORT), '127.0.0.1');\n",
);

const serverEnv = { ...env, NODE_ENV: 'production', LOG_LEVEL: 'info', PGLITE_DATA_DIR: path.join(ws.dir, 'pglite') };
const servers = {
  bare: await startServer(ws, { cmd: 'node', args: ['bare.mjs'], cwd: project, env: serverEnv }),
  starter: await startServer(ws, { cmd: 'node', args: ['dist/server.js'], cwd: project, env: serverEnv }),
};
compare('Express starter vs bare Express 5', servers, opts);
ws.stop();
