/** --template values -> sources, and how a tarball token is (not) passed on after a redirect. */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sourceMatches } from '../generators/answers/org-config.js';
import { collectTemplateVars } from '../generators/answers/template-vars.js';
import { fetchTemplate, redact } from '../generators/sources/fetch-source.js';
import { parseTemplateSource } from '../generators/sources/parse-source.js';
import { MINIMAL_TEMPLATE_JSON, tgz } from './helpers/tar.js';
import { makeTmp } from './helpers/tmp.js';

const tmp = makeTmp('cpb-sources-');
afterAll(() => tmp.cleanup());
const opts = { builtinIds: ['express', 'fastapi', 'hybrid'], cwd: '/work', home: '/home/u', isDirectory: (p: string) => p === '/work/kits' };

describe('parseTemplateSource', () => {
  it.each([
    ['express', { kind: 'builtin', id: 'express' }],
    ['./kit', { kind: 'local', dir: '/work/kit' }],
    ['~/kit', { kind: 'local', dir: '/home/u/kit' }],
    ['kits', { kind: 'local', dir: '/work/kits' }],
    ['github:acme/kit/templates/api#v2', { kind: 'git', url: 'https://github.com/acme/kit.git', ref: 'v2', subdir: 'templates/api' }],
    ['gitlab:acme/kit', { kind: 'git', url: 'https://gitlab.com/acme/kit.git', ref: undefined, subdir: undefined }],
    ['acme/kit#main', { kind: 'git', url: 'https://github.com/acme/kit.git', ref: 'main', subdir: undefined }],
    ['git@git.acme.dev:platform/kit.git#v1', { kind: 'git', url: 'ssh://git@git.acme.dev/platform/kit.git', ref: 'v1', subdir: undefined }],
    ['https://git.acme.dev/platform/kit.git//api#v3', { kind: 'git', url: 'https://git.acme.dev/platform/kit.git', ref: 'v3', subdir: 'api' }],
    ['https://git.acme.dev/platform/kit.git#v3:api', { kind: 'git', url: 'https://git.acme.dev/platform/kit.git', ref: 'v3', subdir: 'api' }],
    ['file:///srv/kit#v1', { kind: 'git', url: 'file:///srv/kit', ref: 'v1', subdir: undefined }],
    ['https://cdn.acme.dev/kit-1.0.0.tgz', { kind: 'tarball', url: 'https://cdn.acme.dev/kit-1.0.0.tgz', sha256: undefined }],
    [`https://cdn.acme.dev/kit.tar.gz#sha256=${'a'.repeat(64)}`, { kind: 'tarball', url: 'https://cdn.acme.dev/kit.tar.gz', sha256: 'a'.repeat(64) }],
  ])('%s', (value, expected) => {
    expect(parseTemplateSource(value, opts)).toEqual(expected);
  });

  it.each([
    ['https://user:secret@git.acme.dev/kit.git', /credentials/],
    ['https://token@git.acme.dev/kit.git', /credentials/],
    ['ext::sh -c touch% /tmp/pwned', /not a starter \(express, fastapi, hybrid\)/],
    ['ftp://host/kit.git', /unsupported protocol/],
    ['github:acme/kit#--upload-pack=evil', /not a valid git ref/],
    ['github:acme/kit/../../etc', /not a safe sub-directory/],
    ['https://cdn.acme.dev/kit.tgz#main', /sha256/],
    ['nonsense value', /not a starter \(express, fastapi, hybrid\)/],
    ['', /empty/],
  ])('refuses %s', (value, message) => {
    expect(() => parseTemplateSource(value, opts)).toThrow(message);
  });
});

describe('org config matching', () => {
  it('matches whole path segments', () => {
    expect(sourceMatches(['https://git.acme.dev/platform'], 'https://git.acme.dev/platform/kit.git#v1')).toBe(true);
    expect(sourceMatches(['https://git.acme.dev/platform'], 'https://git.acme.dev/platformer/kit.git')).toBe(false);
    expect(sourceMatches(['file:///srv/kit'], 'file:///srv/kit#v1')).toBe(true);
    expect(sourceMatches(['file:///srv/kit'], 'file:///srv/kit-evil#v1')).toBe(false);
  });
});

describe('template questions', () => {
  const prompts = [
    { name: 'team', type: 'text' as const, message: 'Team', pattern: '[a-z]+' },
    { name: 'tier', type: 'select' as const, message: 'Tier', choices: [{ value: 'gold' }, { value: 'silver' }], default: 'silver' },
    { name: 'pager', type: 'confirm' as const, message: 'Pager?', default: false },
  ];
  it('flags beat presets beat defaults; values are validated', async () => {
    const vars = await collectTemplateVars(prompts, { set: { team: 'core', pager: 'true' }, preset: { team: 'other', tier: 'gold' } }, { ask: false, prompter: undefined });
    expect(vars).toEqual({ team: 'core', tier: 'gold', pager: true });
    await expect(collectTemplateVars(prompts, { set: { team: 'Bad Team' }, preset: {} }, { ask: false, prompter: undefined })).rejects.toThrow(/must match/);
    await expect(collectTemplateVars(prompts, { set: { team: 'a', tier: 'bronze' }, preset: {} }, { ask: false, prompter: undefined })).rejects.toThrow(/choose one of/);
    await expect(collectTemplateVars(prompts, { set: { team: 'a', unknown: 'x' }, preset: {} }, { ask: false, prompter: undefined })).rejects.toThrow(/does not ask/);
    await expect(collectTemplateVars(prompts, { set: {}, preset: {} }, { ask: false, prompter: undefined })).rejects.toThrow(/Missing answers to the template's questions: team\./);
  });
});

describe('tarball downloads', () => {
  it('send the token to the URL’s host only: a redirect to another host gets none', async () => {
    const seen: { host: string; auth: string | undefined }[] = [];
    const archive = tgz([{ name: 'kit/template.json', content: MINIMAL_TEMPLATE_JSON }]);
    const other = http.createServer((req, res) => {
      seen.push({ host: 'other', auth: req.headers.authorization });
      res.writeHead(200).end(archive);
    });
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/kit.tar.gz`;
    const first = http.createServer((req, res) => {
      seen.push({ host: 'first', auth: req.headers.authorization });
      res.writeHead(302, { location: otherUrl }).end();
    });
    await new Promise<void>((r) => first.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(first.address() as AddressInfo).port}/kit.tar.gz`;
      const cacheDir = path.join(tmp.dir, 'cache');
      const got = await fetchTemplate({ kind: 'tarball', url, sha256: undefined }, { offline: false, env: { CPB_TEMPLATE_TOKEN: 'sekrit-token' }, cacheDir });
      expect(fs.existsSync(path.join(got.dir, 'template.json'))).toBe(true);
      expect(seen).toEqual([
        { host: 'first', auth: 'Bearer sekrit-token' },
        { host: 'other', auth: undefined },
      ]);
      const cached = fs.readdirSync(cacheDir, { recursive: true, encoding: 'utf8' }).map((f) => path.join(cacheDir, f));
      for (const f of cached) if (fs.statSync(f).isFile()) expect(fs.readFileSync(f, 'utf8')).not.toContain('sekrit-token');
    } finally {
      await new Promise<void>((r) => first.close(() => r()));
      await new Promise<void>((r) => other.close(() => r()));
    }
  });

  it('redact hides tokens and URL credentials in messages', () => {
    expect(redact('fatal: https://x:abcd1234@host/repo failed with abcd1234', { CPB_TEMPLATE_TOKEN: 'abcd1234' })).toBe('fatal: https://***@host/repo failed with ***');
  });
});
