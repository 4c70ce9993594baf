#!/usr/bin/env node
// Checked here, before the bundle loads, so an old Node gets a sentence instead of a syntax error.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  process.stderr.write(`create-polyglot-backend needs Node.js 20.19 or newer; this is ${process.version}.\n`);
  process.exit(1);
}
await import('../dist/cli.js');
