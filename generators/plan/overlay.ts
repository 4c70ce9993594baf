/**
 * When a template layer and the template on top of it both provide a file, the upper one normally
 * replaces it. Two files are merged instead, so an overlay can add to a starter without forking it:
 * - package.json: deep merge, the overlay wins per key (it lists only what it adds or changes);
 * - pyproject.toml: dependency arrays merged by package name (the overlay holds only those arrays).
 * Pure; errors name the file so a template author can fix it.
 */
import { parse } from 'smol-toml';
import { CliError } from '../errors.js';
import { findArrays, formatArray, requirementName, valueAt } from '../toml/dependency-arrays.js';

export function isMergedOnOverlay(out: string): boolean {
  const name = out.slice(out.lastIndexOf('/') + 1);
  return name === 'package.json' || name === 'pyproject.toml';
}

export function overlayFile(out: string, base: string, overlay: string): string {
  return out.endsWith('package.json') ? overlayPackageJson(out, base, overlay) : overlayPyproject(out, base, overlay);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** npm keeps these maps sorted; so do we after adding to them. */
const SORTED_MAPS = new Set(['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies']);

function deepMerge(base: Json, overlay: Json, sorted: boolean): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const prev = out[key];
    out[key] = isObject(prev) && isObject(value) ? deepMerge(prev, value, SORTED_MAPS.has(key)) : value;
  }
  return sorted ? Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : out;
}

function parseJson(out: string, text: string): Json {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new CliError('plan', `The template's ${out} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new CliError('plan', `The template's ${out} must hold a JSON object.`);
  return value;
}

function overlayPackageJson(out: string, base: string, overlay: string): string {
  return `${JSON.stringify(deepMerge(parseJson(out, base), parseJson(out, overlay), false), null, 2)}\n`;
}

/** Dotted keys of every array in the overlay; anything else in it is refused. */
function overlayArrays(out: string, data: unknown, prefix = ''): string[] {
  const keys: string[] = [];
  for (const [key, value] of Object.entries(data as Json)) {
    const dotted = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) keys.push(dotted);
    else if (isObject(value)) keys.push(...overlayArrays(out, value, dotted));
    else {
      throw new CliError('plan', `The overlay ${out} sets ${dotted}; a pyproject.toml overlay may only add dependencies.`);
    }
  }
  return keys;
}

function overlayPyproject(out: string, base: string, overlay: string): string {
  let baseData: unknown;
  let overlayData: unknown;
  try {
    baseData = parse(base);
    overlayData = parse(overlay);
  } catch (err) {
    throw new CliError('plan', `The template's ${out} is not valid TOML: ${(err as Error).message}`);
  }
  const lines = base.split('\n').map((l) => `${l}\n`);
  lines[lines.length - 1] = lines[lines.length - 1]!.slice(0, -1);
  const regions = findArrays(lines);
  const replacements: { start: number; end: number; text: string }[] = [];
  for (const key of overlayArrays(out, overlayData)) {
    const region = regions?.get(key);
    const current = valueAt(baseData, key);
    const added = valueAt(overlayData, key);
    if (!region || !current || !added) {
      throw new CliError('plan', `The overlay ${out} adds to ${key}, which the base pyproject.toml does not have as a dependency array.`, {
      });
    }
    // By package name: the overlay's requirement replaces the base's; new ones join in name order.
    const byName = new Map<string, string>();
    for (const req of [...current, ...added]) byName.set(requirementName(req) ?? req, req);
    const merged = [...byName.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, req]) => req);
    const own = lines.slice(region.start, region.end + 1);
    replacements.push({ start: region.start, end: region.end, text: formatArray(key, merged, own, []) });
  }
  for (const r of replacements.sort((a, b) => b.start - a.start)) {
    lines.splice(r.start, r.end - r.start + 1, r.text.endsWith('\n') ? r.text : `${r.text}\n`);
  }
  return lines.join('');
}
