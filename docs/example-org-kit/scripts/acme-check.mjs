// ACME's project check: the service declares an owning team. Runs as a post-step only when the kit is trusted.
import { readFileSync, writeFileSync } from 'node:fs';

const acme = JSON.parse(readFileSync('acme.json', 'utf8'));
if (!acme.team) {
  console.error('acme.json has no team');
  process.exit(1);
}
writeFileSync('.acme-check-passed', `${acme.team}\n`);
console.log(`ACME check passed for team ${acme.team}`);
