import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, untilListening } from './ports.js';

/** Debian's PgBouncer (`apt-get install pgbouncer`); .ci/run installs it. */
export const PGBOUNCER_BIN = '/usr/sbin/pgbouncer';

export interface PgBouncer {
  /** `databaseUrl`, through the bouncer. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A PgBouncer of the test's own in transaction mode in front of the database `databaseUrl` names:
 * each transaction may run on another server connection, so nothing may rely on session state
 * (prepared statements, session settings, session advisory locks, LISTEN).
 */
export async function startPgBouncer(databaseUrl: string): Promise<PgBouncer> {
  const target = new URL(databaseUrl);
  const dir = mkdtempSync(path.join(tmpdir(), 'distill-pgbouncer-'));
  const port = await freePort();
  const user = decodeURIComponent(target.username || 'postgres');
  writeFileSync(path.join(dir, 'userlist.txt'), `"${user}" ""\n`);
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${target.hostname} port=${target.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'userlist.txt')}`,
      'pool_mode = transaction',
      'max_client_conn = 200',
      'default_pool_size = 10',
      '',
    ].join('\n'),
  );
  // It refuses to run as root: as root, run it as PostgreSQL's system user.
  const runAs = process.getuid?.() === 0 ? systemUser('postgres') : undefined;
  if (runAs) for (const file of ['', ...readdirSync(dir)]) chownSync(path.join(dir, file), runAs.uid, runAs.gid);
  const child = spawn(PGBOUNCER_BIN, [path.join(dir, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'], ...runAs });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4_000)));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await untilListening(port, 10_000).catch((err: Error) => {
    throw new Error(`${err.message}; pgbouncer said: ${stderr}`);
  });
  const url = new URL(databaseUrl);
  url.host = `127.0.0.1:${port}`;
  return {
    url: url.toString(),
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function systemUser(name: string): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, name], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
