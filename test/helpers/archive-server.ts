/** An HTTP server on 127.0.0.1 that serves archives registered by URL path; tests close it in afterAll. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ArchiveServer {
  base: string;
  archives: Map<string, Buffer>;
  close(): Promise<void>;
}

/** `handle` answers a request before the archive map is looked up; return true when it did. */
export async function startArchiveServer(handle?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean): Promise<ArchiveServer> {
  const archives = new Map<string, Buffer>();
  const server = http.createServer((req, res) => {
    if (handle?.(req, res)) return;
    const body = archives.get(req.url ?? '');
    if (body) res.writeHead(200, { 'content-type': 'application/gzip' }).end(body);
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    archives,
    // Open (stalled) connections would keep close() waiting: end them too.
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
