/** An org template's question must not shadow a variable the generator gives every template. */
import { describe, expect, it } from 'vitest';
import { pmCommands } from '../generators/plan/package-manager.js';
import { templateMetaSchema } from '../generators/templates/template-meta.js';

const meta = (name: string) => ({ id: 'kit', version: '1.0.0', description: 'A kit', prompts: [{ name, type: 'text', message: 'A question' }] });

describe('org template question names', () => {
  it.each(Object.keys(pmCommands('npm')))('refuses %s (a package-manager variable)', (name) => {
    const parsed = templateMetaSchema.safeParse(meta(name));
    expect(parsed.success).toBe(false);
    expect(JSON.stringify(parsed.error?.issues)).toMatch(/is reserved/);
  });

  it('refuses any future pm* variable and the core ones, accepts an ordinary name', () => {
    for (const name of ['pmSomethingNew', 'packageManager', 'projectName']) expect(templateMetaSchema.safeParse(meta(name)).success, name).toBe(false);
    expect(templateMetaSchema.safeParse(meta('costCenter')).success).toBe(true);
    expect(templateMetaSchema.safeParse(meta('pmo')).success).toBe(true);
  });
});
