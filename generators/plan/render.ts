/**
 * Template file -> project file contents: EJS rendering (the path rules are paths.ts's). Pure: no file
 * system access. A ".ejs" file is rendered; every other file is copied byte for byte.
 */
import ejs from 'ejs';
import { CliError } from '../errors.js';

export type RenderData = Readonly<Record<string, string | number | boolean>>;

/** Only `<%= name %>` / `<%- name %>` tags: no code, no whitespace trimming. */
const CODE_TAG = /<%(?![=-]\s*[A-Za-z_$][\w$]*\s*%>)/;

/**
 * A trusted template's file: EJS, except that a file whose tags only insert variables (a 650 KB uv.lock
 * naming the project) is filled in directly, with the same output, instead of compiled as JavaScript.
 */
export function renderTemplateFile(templatePath: string, source: string, data: RenderData, untrusted: boolean): string {
  if (untrusted || !CODE_TAG.test(source)) return renderPlaceholders(templatePath, source, data);
  return renderEjs(templatePath, source, data);
}

export function isRendered(templatePath: string): boolean {
  return templatePath.endsWith('.ejs');
}

/**
 * Strict EJS: data is passed as locals and destructured, so a template that names an unknown variable
 * fails instead of printing "undefined". Options are a fixed literal, never derived from data.
 */
export function renderEjs(templatePath: string, source: string, data: RenderData): string {
  try {
    return ejs.render(source, { ...data }, {
      strict: true,
      destructuredLocals: Object.keys(data),
      async: false,
      filename: templatePath,
      // Includes would read from disk at render time; templates share fragments through layers instead.
      includer: () => {
        throw new Error('include() is not supported in templates; use a layer instead');
      },
    });
  } catch (err) {
    throw new CliError('plan', `Template file ${templatePath} failed to render: ${firstLine(err)}`, {
      hint: 'The template is broken; nothing was written.',
    });
  }
}

const ESCAPE: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' };

/**
 * EJS for templates that are not trusted: EJS tags are JavaScript, so rendering an org template's EJS
 * would run its code while planning (even under --dry-run). Only plain output of a known variable is
 * allowed, `<%= name %>` (escaped as EJS escapes) and `<%- name %>` (raw), plus `<%# comments %>` and
 * `<%%` for a literal `<%`; anything else is refused until the template is trusted.
 */
export function renderPlaceholders(templatePath: string, source: string, data: RenderData): string {
  return source.replace(/<%%|<%([=\-#_]?)([\s\S]*?)[-_]?%>/g, (tag, kind: string | undefined, body: string | undefined) => {
    if (tag === '<%%') return '<%';
    if (kind === '#') return '';
    const name = (body ?? '').trim();
    if ((kind === '=' || kind === '-') && /^[A-Za-z_$][\w$]*$/.test(name)) {
      if (!Object.hasOwn(data, name)) {
        throw new CliError('plan', `Template file ${templatePath} uses ${name}, which is not a template variable.`, { hint: 'The template is broken; nothing was written.' });
      }
      const value = String(data[name]);
      return kind === '-' ? value : value.replace(/[&<>"']/g, (c) => ESCAPE[c]!);
    }
    throw new CliError('plan', `Template file ${templatePath} contains EJS code (${tag.slice(0, 40).replace(/\s+/g, ' ')}); an untrusted template may only insert variables (<%= name %>).`, {
      hint: 'Review the template, then pass --trust (or list its source in trustedSources in the org config) to render it as full EJS.',
    });
  });
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  const lines = msg.split('\n').filter((l) => l.trim() !== '');
  return lines[lines.length - 1] ?? msg;
}
