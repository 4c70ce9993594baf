/**
 * A private RabbitMQ node per e2e file: its own data directory, AMQP port, distribution port and epmd,
 * all on 127.0.0.1, so a test may stop and restart it (durability checks) without touching anything
 * else on the machine. Needs rabbitmq-server installed (.ci/run does it) and root, to run the node as
 * the `rabbitmq` user like the Debian service does. Every process is started here and stopped by PID.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { freePort, startServer, stopServer, type Started } from './process.js';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';
const CTL = '/usr/lib/rabbitmq/bin/rabbitmqctl';

export function rabbitmqAvailable(): boolean {
  return fs.existsSync(SERVER) && process.getuid?.() === 0;
}

export interface Broker {
  url: string;
  port: number;
  /** Runs rabbitmqctl against this node (e.g. list_queues). */
  ctl(args: string[]): Promise<string>;
  /** Stops the node cleanly (data kept) and starts it again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function uidOf(user: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, user]).toString().trim());
  return { uid: id('-u'), gid: id('-g') };
}

export async function startBroker(): Promise<Broker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cpb-e2e-rabbit-'));
  const { uid, gid } = uidOf('rabbitmq');
  fs.chownSync(dir, uid, gid);
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  const node = `cpb${port}@localhost`;
  // No plugins (the management UI is not needed), loopback only, guest allowed from loopback.
  fs.writeFileSync(path.join(dir, 'enabled_plugins'), '[].\n');
  fs.writeFileSync(path.join(dir, 'rabbitmq.conf'), 'listeners.tcp.default = 127.0.0.1:' + port + '\nloopback_users = none\n');
  for (const f of ['enabled_plugins', 'rabbitmq.conf']) fs.chownSync(path.join(dir, f), uid, gid);
  const env = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: '/var/lib/rabbitmq', // its Erlang cookie lives there
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: '-kernel inet_dist_use_interface {127,0,0,1}',
    RABBITMQ_MNESIA_BASE: path.join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: path.join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: path.join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: path.join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: path.join(dir, 'rabbit.pid'),
  };
  const asRabbit = { uid, gid };
  // Our own epmd, so the node never spawns a daemon we could not stop by PID.
  const epmd = execa('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], { ...asRabbit, env, reject: false, stdin: 'ignore' });

  const ctl = async (args: string[]): Promise<string> => {
    const r = await execa(CTL, ['-n', node, ...args], { ...asRabbit, env, reject: false, timeout: 60_000 });
    if (r.exitCode !== 0) throw new Error(`rabbitmqctl ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
    return r.stdout;
  };

  let server: Started | undefined;
  const boot = async (): Promise<void> => {
    const started = startServer(SERVER, [], { cwd: dir, env, ...asRabbit });
    server = started;
    // 4 s on an idle machine; far longer on a loaded one. The loop ends as soon as the node is up.
    const deadline = Date.now() + 180_000;
    for (;;) {
      // await_startup exits non-zero at once until the node has registered with epmd.
      const r = await execa(CTL, ['-n', node, '-q', 'await_startup', '--timeout', '30'], { ...asRabbit, env, reject: false, timeout: 40_000 });
      if (r.exitCode === 0) return;
      if (Date.now() > deadline) throw new Error(`RabbitMQ did not start: ${started.output().slice(-2000)}`);
      await new Promise((res) => setTimeout(res, 500));
    }
  };
  const halt = async (): Promise<void> => {
    // SIGTERM makes the foreground script run `rabbitmqctl stop` and wait for the node.
    if (server) await stopServer(server, 60_000);
    server = undefined;
  };

  await boot();
  return {
    url: `amqp://guest:guest@127.0.0.1:${port}/`,
    port,
    ctl,
    restart: async () => {
      await halt();
      await boot();
    },
    stop: async () => {
      await halt();
      epmd.kill('SIGTERM');
      await epmd;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
