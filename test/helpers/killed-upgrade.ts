// Child process for test/upgrade/apply.test.ts: runs an upgrade and dies by SIGKILL (no cleanup, no
// finally blocks, like a power cut) right after the Nth file operation of the swap.
import { realApplyIo } from '../../generators/upgrade/apply.js';
import { runIn, templatesOf } from '../upgrade/helpers.js';

const [root, afterRenames, signal] = [process.argv[2]!, Number(process.argv[3]), process.argv[4] ?? 'SIGKILL'];
let renames = 0;
await runIn(root, ['--no-install'], {
  templates: templatesOf('v2'),
  applyIo: {
    ...realApplyIo,
    async rename(from, to) {
      await realApplyIo.rename(from, to);
      if (++renames === afterRenames) {
        process.kill(process.pid, signal as NodeJS.Signals);
        // SIGTERM is handled: give the handler a chance to run before the next operation.
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  },
}).then((r) => {
  process.stderr.write(`finished: exit ${r.exitCode} ${r.error?.message ?? ''}\n`);
  process.exit(r.exitCode);
});
