/**
 * A template archive over HTTP(S) with Node's fetch: manual redirects, a size cap, and two clocks. A
 * download that stops sending bytes (a stalled server or proxy) is abandoned after the idle timeout, and
 * a whole download after the total one; both end as a fetch error (exit 6), never as a crash.
 */
import { CliError } from '../errors.js';
import { hostile } from './entries.js';
import { fetchError, redact, tokenFor } from './fetch-errors.js';

/** Seconds without a byte before a download is abandoned. CPB_FETCH_IDLE_TIMEOUT (seconds) overrides it. */
export const DEFAULT_IDLE_TIMEOUT_S = 30;
const TOTAL_TIMEOUT_S = 120;
const MAX_REDIRECTS = 5;

export function idleTimeoutSeconds(env: NodeJS.ProcessEnv): number {
  const raw = env['CPB_FETCH_IDLE_TIMEOUT'];
  if (raw === undefined || raw === '') return DEFAULT_IDLE_TIMEOUT_S;
  const s = Number(raw);
  if (!Number.isFinite(s) || s <= 0) {
    throw new CliError('args', `CPB_FETCH_IDLE_TIMEOUT=${raw} is not a number of seconds.`, { hint: `Set it to a positive number (default ${DEFAULT_IDLE_TIMEOUT_S}), or unset it.` });
  }
  return s;
}

/** An abort signal that fires when `touch()` has not been called for `seconds`. */
function idleWatch(seconds: number) {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(), seconds * 1000);
    timer.unref(); // never what keeps the process alive
  };
  touch();
  return { signal: controller.signal, touch, stop: () => clearTimeout(timer) };
}

/** fetch with manual redirects: at most 5, never https -> http, the token only for the original host. */
export async function download(url: string, env: NodeJS.ProcessEnv, maxBytes: number): Promise<Buffer> {
  const idleS = idleTimeoutSeconds(env);
  const idle = idleWatch(idleS);
  const total = AbortSignal.timeout(TOTAL_TIMEOUT_S * 1000);
  try {
    return await fetchFollowingRedirects(url, env, maxBytes, AbortSignal.any([idle.signal, total]), idle.touch);
  } catch (err) {
    if (err instanceof CliError) throw err;
    // Whatever fetch or the body stream threw once a clock ran out, say which clock; else say why.
    if (idle.signal.aborted) throw fetchError(url, `no data arrived for ${idleS} s (the download stalled)`);
    if (total.aborted) throw fetchError(url, `the download took longer than ${TOTAL_TIMEOUT_S} s`);
    throw fetchError(url, redact(String((err as Error).cause ?? (err as Error).message), env));
  } finally {
    idle.stop();
  }
}

async function fetchFollowingRedirects(url: string, env: NodeJS.ProcessEnv, maxBytes: number, signal: AbortSignal, touch: () => void): Promise<Buffer> {
  const first = new URL(url);
  const token = tokenFor(first.hostname, env);
  let current = first;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const sameHost = current.host === first.host && current.protocol === first.protocol;
    const headers: Record<string, string> = { 'user-agent': 'create-polyglot-backend' };
    if (token && sameHost) headers['authorization'] = `Bearer ${token}`;
    const res = await fetch(current, { redirect: 'manual', headers, signal });
    touch();
    if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
      const next = new URL(res.headers.get('location')!, current);
      if (current.protocol === 'https:' && next.protocol !== 'https:') throw fetchError(url, `refused a redirect from https to ${next.protocol}`, false);
      current = next;
      continue;
    }
    if (!res.ok || !res.body) throw fetchError(url, `the server answered ${res.status} ${res.statusText}`);
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) throw hostile(`The template archive is larger than ${maxBytes / 1024 / 1024} MB.`);
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      touch();
      size += chunk.length;
      if (size > maxBytes) throw hostile(`The template archive is larger than ${maxBytes / 1024 / 1024} MB.`);
      chunks.push(Buffer.from(chunk));
    }
    return Buffer.concat(chunks);
  }
  throw fetchError(url, 'too many redirects', false);
}
