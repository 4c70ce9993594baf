/**
 * Disk full at every point of an upgrade, on a real small filesystem (a tmpfs mounted for the test):
 * with 0, 1, 2 … free pages the upgrade fails at a different step each time (staging, the journal, the
 * commit), until it fits. Whatever it says must be what is on disk: exit 4 "restored" means byte for byte
 * as before, and a finished upgrade is exactly the upgrade a roomy disk gives.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../generators/errors.js';
import { JOURNAL_PATH, STAGING_PATH } from '../../generators/upgrade/apply.js';
import { canMount, fillLeaving, mountTmpfs, unmountAll } from '../helpers/mount.js';
import { makeTmp } from '../helpers/tmp.js';
import { generateEditedProject, runIn, snapshot, templatesOf } from './helpers.js';

const mountable = canMount();
const v2 = { templates: templatesOf('v2') };

describe.skipIf(!mountable)('disk full during an upgrade (real tmpfs)', () => {
  let tmp: ReturnType<typeof makeTmp>;
  beforeEach(() => {
    tmp = makeTmp('cpb-upgrade-full-');
  });
  afterEach(() => {
    unmountAll();
    tmp.cleanup();
  });

  it('at every amount of free space, what it reports is what is on disk', { timeout: 300_000 }, async () => {
    // The upgrade as a roomy disk does it: the only acceptable finished state.
    const reference = await generateEditedProject(path.join(tmp.dir, 'roomy'));
    expect((await runIn(reference, ['--no-install'], v2)).exitCode).toBe(ExitCode.upgradeNeedsAttention);
    const upgraded = snapshot(reference);

    const disk = path.join(tmp.dir, 'disk');
    mountTmpfs(disk, '16m');
    const root = await generateEditedProject(disk);
    const before = snapshot(root);
    const filler = path.join(disk, 'filler');
    let failures = 0;
    let finished = false;
    for (let pages = 0; pages < 400 && !finished; pages++) {
      fillLeaving(disk, filler, pages);
      const r = await runIn(root, ['--no-install'], v2);
      fs.rmSync(filler, { force: true });
      if (r.exitCode === ExitCode.writeFailed) {
        failures++;
        expect(r.error?.hint, `${pages} pages free`).toMatch(/restored exactly as it was|Nothing in the project was changed/);
        expect(snapshot(root), `${pages} pages free: said restored`).toEqual(before);
        expect(fs.existsSync(path.join(root, JOURNAL_PATH))).toBe(false);
        expect(fs.existsSync(path.join(root, STAGING_PATH))).toBe(false);
        continue;
      }
      expect(r.exitCode, `${pages} pages free: ${r.error?.message ?? ''}`).toBe(ExitCode.upgradeNeedsAttention);
      expect(snapshot(root), `${pages} pages free: said upgraded`).toEqual(upgraded);
      finished = true;
    }
    expect(finished).toBe(true);
    // The sweep really ran out of space at several steps, not only before the first write.
    expect(failures).toBeGreaterThan(5);
  });
});
