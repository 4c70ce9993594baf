/**
 * Real mounts for tests that need a small or separate filesystem (disk full, EXDEV, read-only). Needs
 * root (these machines run tests as root); tests skip themselves when mounting is not allowed. Every
 * mount made here is unmounted by `unmountAll` (call it in afterEach), lazily if a process still holds it.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

const mounted: string[] = [];

function sh(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });
}

export function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const dir = fs.mkdtempSync('/tmp/cpb-mount-probe-');
  try {
    sh('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
    sh('umount', [dir]);
    return true;
  } catch {
    return false;
  } finally {
    fs.rmdirSync(dir);
  }
}

export function mountTmpfs(dir: string, size: string): void {
  fs.mkdirSync(dir, { recursive: true });
  sh('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir]);
  mounted.push(dir);
}

/** Makes an existing mount read-only (its submounts stay as they are). */
export function remountReadOnly(dir: string): void {
  sh('mount', ['-o', 'remount,ro', dir]);
}

/** Unmounts everything mounted here, innermost first; never throws (a test's own failure matters more). */
export function unmountAll(): void {
  for (const dir of mounted.splice(0).reverse()) {
    try {
      sh('umount', [dir]);
    } catch {
      try {
        sh('umount', ['-l', dir]);
      } catch {
        // already gone
      }
    }
  }
}

/** Fills the filesystem holding `dir` until `pages` 4 KiB pages are left free; returns the filler's path. */
export function fillLeaving(dir: string, filler: string, pages: number): void {
  fs.rmSync(filler, { force: true });
  const s = fs.statfsSync(dir);
  const free = s.bavail * s.bsize;
  const size = free - pages * 4096;
  if (size > 0) fs.writeFileSync(filler, Buffer.alloc(size));
}
