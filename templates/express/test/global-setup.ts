import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { TestProject } from 'vitest/node';
import { applyMigrations, pgliteTarget } from '../src/db/migrate.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Path of a migrated PGlite data-dir tarball (unset when testing on PostgreSQL). */
    pgliteSnapshot?: string;
  }
}

/**
 * PGlite's first start runs initdb (several seconds). Do it once, migrate, and
 * let every test file start its own in-memory database from that snapshot.
 */
export default async function setup(project: TestProject) {
  if (process.env.DATABASE_URL) return;
  const pglite = await PGlite.create('memory://');
  await applyMigrations(pgliteTarget(pglite));
  const snapshot = await pglite.dumpDataDir('none');
  await pglite.close();

  const file = join(tmpdir(), `pglite-snapshot-${process.pid}.tar`);
  await writeFile(file, Buffer.from(await snapshot.arrayBuffer()));
  project.provide('pgliteSnapshot', file);
  return () => rm(file, { force: true });
}
