// End-to-end smoke test of a running stack: submits jobs through the gateway and waits until each one
// has a result. Used by CI's integration job; handy after `docker compose up`.
//   node scripts/smoke.mjs [--url http://127.0.0.1:3000] [--jobs 5] [--limit 100000] [--timeout 60]
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string', default: process.env.GATEWAY_URL ?? 'http://127.0.0.1:3000' },
    jobs: { type: 'string', default: '5' },
    limit: { type: 'string', default: '100000' },
    timeout: { type: 'string', default: '60' },
  },
});
const base = values.url.replace(/\/$/, '');
const deadline = Date.now() + Number(values.timeout) * 1000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function submit(limit) {
  const res = await fetch(`${base}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ kind: 'count-primes', input: { limit } }),
  });
  if (res.status !== 202) throw new Error(`POST /jobs answered ${res.status}: ${await res.text()}`);
  return (await res.json()).id;
}

async function waitFor(id) {
  while (Date.now() < deadline) {
    const res = await fetch(`${base}/jobs/${id}`);
    if (!res.ok) throw new Error(`GET /jobs/${id} answered ${res.status}`);
    const job = await res.json();
    if (job.status !== 'queued') return job;
    await sleep(200);
  }
  throw new Error(`job ${id} was still queued after ${values.timeout}s (is the worker running?)`);
}

const count = Number(values.jobs);
const ids = await Promise.all(Array.from({ length: count }, (_, i) => submit(Number(values.limit) + i)));
const jobs = await Promise.all(ids.map(waitFor));
const failed = jobs.filter((job) => job.status !== 'succeeded');
for (const job of jobs) console.log(`${job.id} ${job.status} ${JSON.stringify(job.result ?? job.error)}`);
if (failed.length > 0) {
  console.error(`${failed.length} of ${count} jobs failed`);
  process.exit(1);
}
console.log(`all ${count} jobs succeeded`);
