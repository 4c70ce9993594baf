/**
 * A throw-away PostgreSQL database per e2e file, on the server .ci/run starts (E2E_DATABASE_URL is its
 * admin URL). Registers its own create/drop hooks; returns the URL to hand to the starter.
 */
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';

export const adminUrl = process.env['E2E_DATABASE_URL'];

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `name` must be a plain identifier; `protocol` lets SQLAlchemy URLs say postgresql+asyncpg:. */
export function useTestDatabase(name: string, protocol = 'postgresql:'): string {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a safe database name: ${name}`);
  if (!adminUrl) return '';
  beforeAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name}`);
    await admin(`CREATE DATABASE ${name}`);
  });
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return Object.assign(new URL(adminUrl), { protocol, pathname: `/${name}` }).toString();
}
