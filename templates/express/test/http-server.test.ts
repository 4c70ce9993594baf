import { connect } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { defaultServerLimits, listen, serverPort } from '../src/lib/http-server.js';

// The server's own connection limits, on a real server on 127.0.0.1 (closed in every outcome).
const app = express().get('/', (_req, res) => {
  res.json({ ok: true });
});

/** Writes `chunks` (one every `everyMs`) and resolves with what the server sent before closing. */
function exchange(port: number, chunks: string[], everyMs = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    let timer: NodeJS.Timeout | undefined;
    socket.setEncoding('utf8');
    socket.on('data', (data: string) => (answer += data));
    socket.on('close', () => {
      clearInterval(timer);
      resolve(answer);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      // The server may reset a connection it refused while we were still writing.
      if (err.code !== 'ECONNRESET' && err.code !== 'EPIPE') reject(err);
    });
    socket.on('connect', () => {
      if (everyMs === 0) {
        for (const chunk of chunks) socket.write(chunk);
        return;
      }
      let i = 0;
      timer = setInterval(() => {
        if (!socket.writable) return;
        socket.write(chunks[i++ % chunks.length]!);
      }, everyMs);
    });
  });
}

describe('HTTP server limits', () => {
  it('refuses oversized headers with 431', async () => {
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const answer = await exchange(serverPort(server), [
        `GET / HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(defaultServerLimits.maxHeaderSize)}\r\n\r\n`,
      ]);
      expect(answer).toMatch(/^HTTP\/1\.1 431 /);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('cuts off a client that sends its headers one byte at a time, with 408', async () => {
    const limits = { ...defaultServerLimits, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000 };
    const server = await listen(app, 0, '127.0.0.1', limits);
    try {
      const started = Date.now();
      const answer = await exchange(
        serverPort(server),
        ['GET / HTTP/1.1\r\nhost: x\r\n', ...Array<string>(1_000).fill('x')],
        100,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 408 /);
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  }, 30_000);
});
