// Child process for writer.test.ts and write-staging.test.ts: writes a plan into argv[2] and sends itself
// a signal (argv[3], default SIGINT; "none" for none) after the 5th file, then reports how the writer
// ended. A real signal, delivered to the real handler; SIGKILL ends it on the spot, like a power cut.
import type { Answers } from '../../generators/answers/schema.js';
import { CliError } from '../../generators/errors.js';
import { realIo, writeProject } from '../../generators/write/writer.js';

const target = process.argv[2]!;
const signal = process.argv[3] ?? 'SIGINT';
let count = 0;
try {
  await writeProject(
    {
      targetDir: target,
      devCommand: 'npm run dev', setupCommands: [],
      answers: { name: 'x' } as Answers,
      template: { id: 't', version: '1.0.0', source: 'test' },
      files: Array.from({ length: 50 }, (_, i) => ({ path: `f${i}.txt`, content: Buffer.from('x'), executable: false })),
      postSteps: [],
      features: {},
    },
    {
      ...realIo,
      async writeFile(file, data, executable) {
        await realIo.writeFile(file, data, executable);
        if (++count === 5 && signal !== 'none') process.kill(process.pid, signal);
        // Yield so the signal is delivered before the next file, as it would be during real I/O.
        await new Promise((r) => setTimeout(r, 20));
      },
    },
  );
  process.stderr.write(`write completed (signal: ${signal})\n`);
  process.exit(0);
} catch (err) {
  process.stderr.write(`cancelled at file ${count}: ${(err as Error).message}\n`);
  process.exit(err instanceof CliError ? err.exitCode : 1);
}
