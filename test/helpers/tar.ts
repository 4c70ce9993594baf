/** Writes ustar archives by hand, so tests can build the hostile ones real tar refuses to make. */
import { gzipSync } from 'node:zlib';

export interface TarEntry {
  name: string;
  content?: string | Buffer;
  /** '0' file (default), '5' directory, '2' symlink, '1' hard link, '3' char device, '6' FIFO. */
  type?: string;
  linkname?: string;
  mode?: number;
  /** Put a pax header with this path before the entry (long names, or a smuggled one). */
  paxPath?: string;
}

function header(name: string, size: number, type: string, linkname = '', mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  h.write(name.slice(0, 100), 0, 'utf8');
  h.write(`${mode.toString(8).padStart(7, '0')}\0`, 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write(linkname.slice(0, 100), 157);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

function pad(data: Buffer): Buffer {
  const rest = data.length % 512;
  return rest === 0 ? data : Buffer.concat([data, Buffer.alloc(512 - rest)]);
}

export function tar(entries: TarEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (e.paxPath !== undefined) {
      const body = `path=${e.paxPath}\n`;
      let len = body.length + 3;
      while (`${len} ${body}`.length !== len) len = `${len} ${body}`.length;
      const record = Buffer.from(`${len} ${body}`);
      parts.push(header('PaxHeader', record.length, 'x'), pad(record));
    }
    const content = Buffer.from(e.content ?? '');
    parts.push(header(e.name, content.length, e.type ?? '0', e.linkname, e.mode), pad(content));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export function tgz(entries: TarEntry[]): Buffer {
  return gzipSync(tar(entries));
}

export const MINIMAL_TEMPLATE_JSON = JSON.stringify({ id: 'kit', version: '1.0.0', description: 'test kit', install: 'none' });
