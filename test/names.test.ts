import { describe, expect, it } from 'vitest';
import { checkProjectName, MAX_NAME_LENGTH, pythonDistributionName, pythonModuleName, suggestName } from '../generators/answers/names.js';

describe('checkProjectName', () => {
  it.each(['my-api', 'api2', '@acme/orders', 'a', 'x.y_z', 'a'.repeat(MAX_NAME_LENGTH)])('accepts %s', (name) => {
    expect(checkProjectName(name)).toBeUndefined();
  });

  it.each([
    ['', /empty/],
    ['a'.repeat(MAX_NAME_LENGTH + 1), /at most 214/],
    ['bad\u0007name', /control characters/],
    ['safe\u202Eexe.js', /bidirectional/],
    ['pay\u2066load', /bidirectional/],
    [' padded', /leading or trailing spaces/],
    ['..', /"\.\."/],
    ['.', /"\."/],
    ['a/../b', /"\.\."/],
    ['a/b', /path separators/],
    ['a\\b', /path separators/],
    ['CON', /reserved device name on Windows/],
    ['nul', /reserved device name/],
    ['com1', /reserved device name/],
    ['lpt9.txt', /reserved device name/],
    ['@scope/aux', /reserved device name/],
    ['trailing.', /ending in "\."/],
    ['node_modules', /not allowed/],
    ['http', /Node\.js core module/],
    ['.hidden', /cannot start with "\." or "_"/],
    ['_private', /cannot start with "\." or "_"/],
    ['MyApp', /lowercase/],
    ['my app', /not a valid npm package name/],
    ['na!me', /not a valid npm package name/],
    ['-dash', /PEP 508/],
    ['tilde~', /PEP 508/],
  ])('rejects %j with an actionable message', (name, message) => {
    const problem = checkProjectName(name);
    expect(problem).toMatch(message);
  });

  it('suggests a name that itself passes every rule', () => {
    for (const bad of ['My App', 'CON', '..', '  x ', 'http', '_x', 'Ünïcode Name!', '-dash', 'node_modules', 'favicon.ico']) {
      const s = suggestName(bad);
      expect(checkProjectName(s), `${bad} -> ${s}`).toBeUndefined();
    }
  });
});

describe('python names (PEP 503/508)', () => {
  it.each([
    ['my-api', 'my-api', 'my_api'],
    ['My_API.v2'.toLowerCase(), 'my-api-v2', 'my_api_v2'],
    ['@acme/orders', 'orders', 'orders'],
    ['a--b__c..d', 'a-b-c-d', 'a_b_c_d'],
    ['9lives', '9lives', 'app_9lives'],
  ])('%s -> %s / %s', (project, dist, mod) => {
    expect(pythonDistributionName(project)).toBe(dist);
    expect(pythonModuleName(project)).toBe(mod);
    expect(pythonModuleName(project)).toMatch(/^[a-z_][a-z0-9_]*$/);
  });
});
