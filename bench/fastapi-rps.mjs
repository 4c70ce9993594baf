#!/usr/bin/env node
// Req/s of the generated FastAPI starter vs a bare FastAPI app on GET /healthz, side by side in one run,
// under the same uvicorn settings (1 worker, no access log) from the same virtualenv.
//   node bench/fastapi-rps.mjs [--rounds 3] [--duration 10] [--connections 50]
// Needs: wrk, uv, `npm run build`, PyPI for the starter's install.
import fs from 'node:fs';
import path from 'node:path';
import { benchOptions, compare, REPO_ROOT, sh, startServer, workspace } from './lib/rps.mjs';

const opts = benchOptions();
const ws = workspace('cpb-bench-fastapi-', opts.keep);
const project = path.join(ws.dir, 'bench-svc');
const env = { ...process.env, CI: 'true', UV_PYTHON_DOWNLOADS: 'never' };

console.error('Generating and installing the starter…');
sh('node', [path.join(REPO_ROOT, 'bin/create-polyglot-backend.js'), 'bench-svc', '--template', 'fastapi', '--no-git'], ws.dir, env);
fs.writeFileSync(
  path.join(project, 'bare_app.py'),
  'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/healthz")\nasync def healthz() -> dict[str, str]:\n    return {"status": "ok"}\n',
);

const uvicorn = path.join(project, '.venv', 'bin', 'uvicorn');
const uvicornArgs = (app) => [app, '--host', '127.0.0.1', '--workers', '1', '--log-level', 'warning', '--no-access-log'];
// uvicorn takes the port as a flag; startServer passes PORT, so read it through a shell.
const run = (app) => ({ cmd: 'sh', args: ['-c', `exec "${uvicorn}" ${uvicornArgs(app).join(' ')} --port "$PORT"`], cwd: project, env: { ...env, ENVIRONMENT: 'production', SECRET_KEY: 'bench-secret-bench-secret-bench-secret-0123', DATABASE_URL: `sqlite+aiosqlite:///${path.join(ws.dir, 'bench.db')}` } });
const servers = {
  bare: await startServer(ws, run('bare_app:app')),
  starter: await startServer(ws, run('app.main:app')),
};
compare('FastAPI starter vs bare FastAPI', servers, opts);
ws.stop();
