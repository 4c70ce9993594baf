/**
 * Project-name rules. A name becomes an npm package name, a directory name on any OS, and (for the Python
 * starters) a PEP 508 distribution name, so it must satisfy all three. Each rule returns a message that
 * says what to do, not just what is wrong.
 */
import { builtinModules } from 'node:module';

export const MAX_NAME_LENGTH = 214;

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// C0/C1 controls and DEL.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
// Bidirectional overrides/isolates and marks: they make a name render differently from what it is.
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
const NPM_NAME = /^(?:@([a-z0-9-*~][a-z0-9-*._~]*)\/)?([a-z0-9-~][a-z0-9-._~]*)$/;
const PEP508_NAME = /^([a-z0-9]|[a-z0-9][a-z0-9._-]*[a-z0-9])$/i;
const NPM_BLOCKED = new Set(['node_modules', 'favicon.ico']);

/** A suggestion that satisfies every rule, derived from whatever the user typed (create-vite does the same). */
export function suggestName(input: string): string {
  const s = input
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9._~-]+/g, '-')
    .replace(/^[._~-]+/, '')
    .replace(/[._~-]+$/, '')
    .slice(0, 64);
  if (s === '') return 'my-backend';
  return WINDOWS_RESERVED.test(s) || builtinModules.includes(s) || NPM_BLOCKED.has(s) ? `${s}-backend` : s;
}

/** Returns a user-facing problem with the name, or undefined when it is valid. */
export function checkProjectName(name: string): string | undefined {
  const fix = `Try "${suggestName(name)}".`;
  if (name.trim() === '') return 'The project name is empty. Give a name such as "my-backend".';
  if (name.length > MAX_NAME_LENGTH)
    return `The project name is ${name.length} characters long; npm allows at most ${MAX_NAME_LENGTH}. Use a shorter name.`;
  if (CONTROL.test(name)) return `The project name contains control characters. ${fix}`;
  if (BIDI.test(name))
    return `The project name contains bidirectional-text control characters, which make it display differently from what it is. ${fix}`;
  if (name !== name.trim()) return `The project name has leading or trailing spaces. ${fix}`;
  if (name === '.' || name === '..' || name.split(/[\\/]/).includes('..'))
    return `The project name cannot be "." or ".." or contain "..". ${fix}`;
  const scoped = /^@[^/\\]+\/[^/\\]+$/.test(name);
  if (name.includes('\\') || (name.includes('/') && !scoped))
    return `The project name cannot contain path separators ("/" or "\\"); pass the directory as the first argument and the name with --name. ${fix}`;
  const base = scoped ? name.slice(name.indexOf('/') + 1) : name;
  if (WINDOWS_RESERVED.test(base))
    return `"${base}" is a reserved device name on Windows and cannot be a folder there. ${fix}`;
  if (/[. ]$/.test(base)) return `Windows cannot have a folder name ending in "." or a space. ${fix}`;
  if (NPM_BLOCKED.has(base.toLowerCase())) return `"${base}" is not allowed as an npm package name. ${fix}`;
  if (builtinModules.includes(base.toLowerCase()))
    return `"${base}" is the name of a Node.js core module, so npm refuses it as a package name. Try "${base}-backend".`;
  if (/^[._]/.test(base)) return `npm package names cannot start with "." or "_". ${fix}`;
  if (base !== base.toLowerCase()) return `npm package names must be lowercase. Try "${suggestName(name)}".`;
  if (!NPM_NAME.test(name))
    return `"${name}" is not a valid npm package name: use lowercase letters, digits, "-", ".", "_" and "~". ${fix}`;
  if (!PEP508_NAME.test(base))
    return `"${base}" cannot be a Python package name (PEP 508: it must start and end with a letter or digit). ${fix}`;
  return undefined;
}

/** PEP 503 normalised distribution name, e.g. "@acme/My_API.v2" -> "my-api-v2". */
export function pythonDistributionName(projectName: string): string {
  const base = projectName.startsWith('@') ? projectName.slice(projectName.indexOf('/') + 1) : projectName;
  return base.replace(/[-_.~]+/g, '-').toLowerCase();
}

/** An importable Python module name derived from the project name, e.g. "my-api" -> "my_api", "9lives" -> "app_9lives". */
export function pythonModuleName(projectName: string): string {
  const mod = pythonDistributionName(projectName).replace(/-/g, '_');
  return /^[0-9]/.test(mod) ? `app_${mod}` : mod;
}
