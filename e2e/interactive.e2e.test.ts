/**
 * The interactive prompts, driven in a real pseudo-terminal: tmux runs the built CLI, send-keys types the
 * answers, capture-pane reads the screen. CI is removed from the environment so the CLI believes a person
 * is at the keyboard. Every wait is bounded; a timeout fails with the screen as it was.
 */
import { execa } from 'execa';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { alive, slowNpmShim, startedPid, until } from '../test/helpers/slow-install.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = path.join(ROOT, 'bin', 'create-polyglot-backend.js');
const SOCKET = `cpb-e2e-${process.pid}`; // a tmux server of our own, killed in afterAll
const WAIT_MS = 20_000;

// The environment tmux (and so the CLI) starts with: no CI, and not nested in a tmux the user runs.
const env: NodeJS.ProcessEnv = { ...process.env };
delete env['CI'];
delete env['TMUX'];

let scratch = ''; // holds the tmux config and one folder per test
let tmuxConf = '';
const sessions: string[] = [];

function tmux(...args: string[]) {
  return execa('tmux', ['-L', SOCKET, '-f', tmuxConf, ...args], { env, extendEnv: false });
}

const shQuote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

interface Session {
  name: string;
  /** The empty directory the CLI runs in. */
  cwd: string;
  /** Where the shell writes the CLI's exit code (outside cwd, so cwd stays untouched). */
  rcFile: string;
}

/** Starts the CLI in a fresh empty directory, in a detached 120x40 tmux session; `vars` are added to its environment. */
async function startCli(args: string[], vars: Record<string, string> = {}): Promise<Session> {
  const name = `t${sessions.length + 1}`;
  const base = fs.mkdtempSync(path.join(scratch, `${name}-`));
  const cwd = path.join(base, 'work');
  fs.mkdirSync(cwd);
  const rcFile = path.join(base, 'rc');
  const cli = [process.execPath, BIN, ...args].map(shQuote).join(' ');
  const assignments = Object.entries(vars).map(([k, v]) => shQuote(`${k}=${v}`)).join(' ');
  // The wrapper shell shares the CLI's process group, so Ctrl-C reaches it too: `trap : INT` keeps it
  // alive to record the exit code, as a user's interactive shell would be (the CLI gets the default).
  const script = `trap : INT; cd ${shQuote(cwd)} && env -u CI ${assignments} ${cli}; echo $? > ${shQuote(rcFile)}`;
  await tmux('new-session', '-d', '-s', name, '-x', '120', '-y', '40', 'sh', '-c', script);
  sessions.push(name);
  return { name, cwd, rcFile };
}

async function screen(s: Session): Promise<string> {
  return (await tmux('capture-pane', '-p', '-t', s.name)).stdout;
}

/** Polls `probe` until it returns a value; after `timeoutMs` fails with `what` and the current screen. */
async function waitFor<T>(s: Session, what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}. Screen:\n${await screen(s)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const waitForText = (s: Session, text: string) =>
  waitFor(s, `"${text}" on screen`, async () => ((await screen(s)).includes(text) ? true : undefined));

/** The CLI's exit code, once the shell has written it. */
const waitForExit = (s: Session) =>
  waitFor(s, 'the CLI to exit', () => {
    const rc = fs.existsSync(s.rcFile) ? fs.readFileSync(s.rcFile, 'utf8').trim() : '';
    return rc === '' ? undefined : Number(rc);
  });

/** Types text literally (no key names), e.g. "My App". */
const type = (s: Session, text: string) => tmux('send-keys', '-t', s.name, '-l', text);
/** Presses named keys, e.g. "Enter", "C-c", "n". */
const press = (s: Session, ...keys: string[]) => tmux('send-keys', '-t', s.name, ...keys);

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, any>;

beforeAll(async () => {
  const probe = await execa('tmux', ['-V'], { reject: false });
  if (probe.failed) {
    throw new Error('tmux is not installed, and these tests need it to drive the prompts in a real terminal. Install it (apt-get install -y tmux) and run again.');
  }
  if (!fs.existsSync(path.join(ROOT, 'dist', 'cli.js'))) await execa('npm', ['run', 'build'], { cwd: ROOT });
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cpb-interactive-'));
  env['TMUX_TMPDIR'] = scratch; // the server's socket lives here too, and goes with it
  tmuxConf = path.join(scratch, 'tmux.conf');
  // Keep a pane open after its command exits, so the final screen can still be read.
  fs.writeFileSync(tmuxConf, 'set -g remain-on-exit on\n');
});

afterEach(async () => {
  for (const name of sessions) await tmux('kill-session', '-t', name).catch(() => undefined);
});

afterAll(async () => {
  if (tmuxConf) await tmux('kill-server').catch(() => undefined);
  if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
});

describe('interactive prompts in a real terminal (tmux)', () => {
  it('asks directory, starter, the feature questions and install; writes the project without installing', async () => {
    const s = await startCli(['--no-git']);
    await waitForText(s, 'Where should the project be created?');
    await type(s, 'my-app');
    await press(s, 'Enter');
    await waitForText(s, 'Which starter?');
    await press(s, 'Enter'); // Express is preselected
    await waitForText(s, 'Add a cache?'); // a feature question, asked once the starter is known
    await press(s, 'Down'); // none is preselected; redis is below it
    await press(s, 'Enter');
    await waitForText(s, 'Add observability?'); // the next feature question
    await press(s, 'Down'); // otel
    await press(s, 'Enter');
    await waitForText(s, 'Install dependencies now?');
    await press(s, 'n');

    expect(await waitForExit(s), await screen(s)).toBe(0);
    const project = path.join(s.cwd, 'my-app');
    expect(readJson(path.join(project, 'package.json'))['name']).toBe('my-app');
    const manifest = readJson(path.join(project, '.polyglot', 'manifest.json'));
    expect(manifest['template']['id']).toBe('express');
    expect(manifest['answers']['template']).toBe('express');
    expect(manifest['answers']['cache']).toBe('redis');
    expect(manifest['answers']['observability']).toBe('otel');
    expect(fs.existsSync(path.join(project, 'node_modules'))).toBe(false);
    expect(fs.existsSync(path.join(project, 'package-lock.json'))).toBe(false);
    expect(fs.existsSync(path.join(project, '.git'))).toBe(false);
    expect(await screen(s)).not.toContain('Package name'); // "my-app" is already a valid name
  });

  it('Ctrl-C at a prompt exits 130 and writes nothing', async () => {
    const s = await startCli(['--no-git']);
    await waitForText(s, 'Where should the project be created?');
    await type(s, 'my-app');
    await press(s, 'Enter');
    await waitForText(s, 'Which starter?');
    await press(s, 'C-c');

    expect(await waitForExit(s), await screen(s)).toBe(130);
    expect(await screen(s)).toContain('Cancelled');
    expect(fs.readdirSync(s.cwd)).toEqual([]);
  });

  it('asks for a package name, pre-filled with a valid suggestion, when the directory name is not one', async () => {
    const s = await startCli(['--no-git']);
    await waitForText(s, 'Where should the project be created?');
    await type(s, 'My App');
    await press(s, 'Enter');
    await waitForText(s, 'Package name');
    // Pre-filled with a valid suggestion derived from "My App" (drawn in the same frame as the question).
    expect(await screen(s)).toMatch(/Package name\s*\n\W*my-app\W*\n/);
    await press(s, 'Enter');
    await waitForText(s, 'Which starter?');
    await press(s, 'Enter');
    await waitForText(s, 'Add a cache?');
    await press(s, 'Enter'); // none
    await waitForText(s, 'Add observability?');
    await press(s, 'Enter'); // none
    await waitForText(s, 'Install dependencies now?');
    await press(s, 'n');

    expect(await waitForExit(s), await screen(s)).toBe(0);
    const name = readJson(path.join(s.cwd, 'My App', 'package.json'))['name'];
    expect(name).toBe('my-app');
    expect(name).toMatch(/^[a-z0-9~-][a-z0-9._~-]*$/);
  });

  it('Ctrl-C during the install keeps the written project and exits 130 with the command that finishes it', async () => {
    // npm is a shim that records its pid and sleeps, so Ctrl-C always lands mid-install.
    const marker = path.join(scratch, `install-${sessions.length}.pid`);
    const bin = slowNpmShim(fs.mkdtempSync(path.join(scratch, 'shim-')), marker);
    const s = await startCli(['--no-git', '--pm', 'npm'], { PATH: `${bin}:${process.env['PATH'] ?? ''}` });
    let installPid: number | undefined;
    try {
      await waitForText(s, 'Where should the project be created?');
      await type(s, 'my-api');
      await press(s, 'Enter');
      await waitForText(s, 'Which starter?');
      await press(s, 'Enter');
      await waitForText(s, 'Add a cache?');
      await press(s, 'Enter'); // none
      await waitForText(s, 'Add observability?');
      await press(s, 'Enter'); // none
      await waitForText(s, 'Install dependencies now?');
      await press(s, 'Enter'); // yes
      installPid = await until('the install to start', () => startedPid(marker), 60_000);
      await waitForText(s, 'Install dependencies with npm');
      await press(s, 'C-c');

      expect(await waitForExit(s), await screen(s)).toBe(130);
      const shown = await screen(s);
      expect(shown).toContain('To finish by hand: cd my-api && npm install && npm run db:generate');
      expect(shown).not.toContain('git init'); // --no-git: not something left to do
      expect(shown).toContain('Install dependencies with npm: interrupted');
      expect(shown).not.toContain('Canceled'); // the spinner's own handler no longer ends the run
      const project = path.join(s.cwd, 'my-api');
      expect(readJson(path.join(project, 'package.json'))['name']).toBe('my-api');
      expect(fs.existsSync(path.join(project, '.polyglot', 'manifest.json'))).toBe(true);
      expect(fs.existsSync(path.join(project, 'node_modules'))).toBe(false);
      await until('the install to stop', () => (alive(installPid!) ? undefined : true), 20_000);
    } finally {
      if (installPid !== undefined && alive(installPid)) process.kill(installPid, 'SIGKILL');
    }
  });

  it("asks an org kit's own questions (text with a pattern, select) and records the answers", async () => {
    // docs/example-org-kit, used from its directory: no CPB_CONFIG, so its post-step is gated (untrusted).
    const kit = path.join(ROOT, 'docs', 'example-org-kit');
    const s = await startCli(['acme-svc', '--template', kit, '--no-git', '--no-install']);
    await waitForText(s, 'Add a cache?'); // the kit extends express, so it takes express's features
    await press(s, 'Enter');
    await waitForText(s, 'Add observability?');
    await press(s, 'Enter');
    await waitForText(s, 'Which team owns this service?');
    await type(s, 'Bad Team');
    await press(s, 'Enter');
    await waitForText(s, 'must match'); // the pattern is enforced at the prompt
    for (let i = 0; i < 'Bad Team'.length; i++) await press(s, 'BSpace');
    await type(s, 'payments');
    await press(s, 'Enter');
    await waitForText(s, 'Service tier');
    await press(s, 'Up'); // silver is the default; gold is above it
    await press(s, 'Enter');

    expect(await waitForExit(s), await screen(s)).toBe(0);
    const project = path.join(s.cwd, 'acme-svc');
    expect(readJson(path.join(project, 'acme.json'))).toEqual({ service: 'acme-svc', team: 'payments', tier: 'gold' });
    expect(readJson(path.join(project, '.polyglot', 'manifest.json'))['vars']).toEqual({ team: 'payments', tier: 'gold' });
    expect(await screen(s)).toMatch(/not a trusted template source/);
  });
});
