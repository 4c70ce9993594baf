/** A package manager that starts and never finishes by itself, for tests that interrupt an install. */
import fs from 'node:fs';
import path from 'node:path';

/**
 * Writes `<dir>/shim-bin/npm`: it records its pid in `marker` (exec keeps the pid, so it is the sleeping
 * process itself) and sleeps. Put the returned directory first on PATH.
 */
export function slowNpmShim(dir: string, marker: string): string {
  const bin = path.join(dir, 'shim-bin');
  fs.mkdirSync(bin);
  fs.writeFileSync(path.join(bin, 'npm'), `#!/bin/sh\necho $$ > '${marker.replaceAll("'", `'\\''`)}'\nexec sleep 120\n`, { mode: 0o755 });
  return bin;
}

/** The shim's pid once it has started, else undefined. */
export function startedPid(marker: string): number | undefined {
  const text = fs.existsSync(marker) ? fs.readFileSync(marker, 'utf8').trim() : '';
  return text === '' ? undefined : Number(text);
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Polls `probe` every 100 ms until it returns a value, or fails after `timeoutMs` naming `what`. */
export async function until<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
