import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/db/database.js';
import { MIGRATIONS_DIR } from '../src/db/migrate.js';
import { openTestDatabase } from './helpers/test-app.js';

let db: Database;

beforeAll(async () => {
  db = await openTestDatabase(); // applies the migrations
});
afterAll(() => db.close());

describe('migration applier', () => {
  it("records migrations in _prisma_migrations with Prisma's layout and checksum", async () => {
    const rows = await db.prisma.$queryRawUnsafe<
      {
        migration_name: string;
        checksum: string;
        finished_at: Date | null;
        applied_steps_count: number;
      }[]
    >(
      'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations"',
    );
    const init = rows.find((row) => row.migration_name.endsWith('_init'));
    expect(init).toBeDefined();
    const file = await readFile(`${MIGRATIONS_DIR}/${init!.migration_name}/migration.sql`);
    expect(init!.checksum).toBe(createHash('sha256').update(file).digest('hex'));
    expect(init!.finished_at).not.toBeNull();
    expect(init!.applied_steps_count).toBe(1);
  });

  it('is idempotent: a second run applies nothing', async () => {
    expect(await db.migrate()).toEqual([]);
  });
});
