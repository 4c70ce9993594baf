/**
 * A template in a local directory, checked as strictly as an archive: every entry's raw name and its
 * output name (after `dot_` and `.ejs`), the counts and sizes, and nothing but regular files and
 * directories (no symbolic or hard links, devices or FIFOs). Read-only.
 */
import fs from 'node:fs';
import path from 'node:path';
import { checkTemplateFiles, hostile, LIMITS } from './entries.js';

export function scanLocalTemplate(dir: string): void {
  const entries: { path: string; size: number }[] = [];
  const visit = (abs: string, rel: string, depth: number): void => {
    if (depth > LIMITS.maxDepth) throw hostile(`The template at ${dir} is nested deeper than ${LIMITS.maxDepth} directories.`);
    for (const name of fs.readdirSync(abs).sort()) {
      const relPath = rel ? `${rel}/${name}` : name;
      if (name === '.git' || name === 'node_modules') continue; // never read by the loader either
      const st = fs.lstatSync(path.join(abs, name));
      if (st.isSymbolicLink()) throw hostile(`The template contains a symbolic link (${relPath}); templates may only hold regular files.`);
      if (st.isDirectory()) {
        visit(path.join(abs, name), relPath, depth + 1);
        continue;
      }
      if (!st.isFile()) throw hostile(`The template contains ${relPath}, which is not a regular file.`);
      if (st.nlink > 1) throw hostile(`The template contains a hard link (${relPath}); templates may only hold regular files.`);
      entries.push({ path: relPath, size: st.size });
      if (entries.length > LIMITS.maxEntries) throw hostile(`The template has more than the limit of ${LIMITS.maxEntries} files.`);
    }
  };
  visit(dir, '', 0);
  checkTemplateFiles(entries);
}
