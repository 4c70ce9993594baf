// The e2e's offline Dockerfile lint must be able to fail: each rule is shown catching its mistake.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lintDockerfile } from '../e2e/helpers/lint-ci-files.js';
import { makeTmp } from './helpers/tmp.js';

let cleanup = () => {};
afterEach(() => cleanup());
function lint(content: string): string[] {
  const tmp = makeTmp();
  cleanup = tmp.cleanup;
  const file = path.join(tmp.dir, 'Dockerfile');
  fs.writeFileSync(file, content);
  return lintDockerfile(file);
}

const good = `FROM node:24-bookworm-slim AS base
FROM base AS build
WORKDIR /app
COPY . .
FROM node:24-bookworm-slim AS runtime
COPY --from=build /app /app
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/
EXPOSE 3000
USER node
HEALTHCHECK CMD ["node", "-e", "0"]
CMD ["node", "dist/server.js"]
`;

describe('lintDockerfile', () => {
  it('accepts a sound multi-stage Dockerfile', () => {
    expect(lint(good)).toEqual([]);
  });
  it.each([
    [good.replace('--from=build', '--from=builder'), /names no earlier stage/],
    [good.replace('EXPOSE 3000', 'EXPOSE 70000'), /not a valid port/],
    [good.replace('USER node\n', ''), /non-root USER/],
    [good.replace('USER node', 'USER root'), /non-root USER/],
    [good.replace(/HEALTHCHECK.*\n/, ''), /no HEALTHCHECK/],
    [good.replace('CMD ["node", "dist/server.js"]', 'CMD node dist/server.js'), /exec \(JSON array\) form/],
    [good.replace('node:24-bookworm-slim AS runtime', 'node AS runtime'), /not pinned/],
    [good.replace('WORKDIR /app', 'WORKDIR app'), /WORKDIR/i],
  ])('catches a mistake (%#)', (content, message) => {
    expect(lint(content).join('\n')).toMatch(message);
  });
});
