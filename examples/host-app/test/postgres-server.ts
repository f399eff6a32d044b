import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian installs the server programs, one folder per major version. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

/**
 * The folder of `initdb`, `pg_ctl` and `postgres`: PG_BIN_DIR if set, else
 * `pg_config --bindir`, else Debian's newest version; `undefined` if none.
 */
export function findPostgresBinaries(): string | undefined {
  const candidates = [process.env.PG_BIN_DIR];
  const pgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (pgConfig.status === 0) candidates.push(pgConfig.stdout.trim());
  if (existsSync(DEBIAN_ROOT)) {
    const versions = readdirSync(DEBIAN_ROOT)
      .filter((name) => /^\d+$/.test(name))
      .sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => join(DEBIAN_ROOT, version, 'bin')));
  }
  return candidates.find(
    (dir) => dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')),
  );
}

/** A free TCP port on the loopback interface. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The uid and gid of the `postgres` account, which runs the server when this process is root. */
function postgresAccount(): { uid: number; gid: number } {
  const id = (flag: string): number =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

/**
 * A throw-away PostgreSQL server that a test run owns, like the `redis-server`
 * Lapse's own tests start: a fresh cluster in a temporary folder (`initdb`,
 * trust authentication, UTF-8), started with `pg_ctl` on a free loopback
 * port, with durability off (a test database need not survive a crash), and
 * removed when stopped. `initdb` refuses to run as root: as root, the server
 * runs as the `postgres` account.
 */
export class PostgresServer {
  private stopped = false;

  private constructor(
    private readonly binaries: string,
    private readonly dir: string,
    readonly port: number,
    private readonly account: { uid: number; gid: number } | undefined,
  ) {}

  /** Creates and starts a server; fails when the PostgreSQL server programs are not installed. */
  static async start(): Promise<PostgresServer> {
    const binaries = findPostgresBinaries();
    if (!binaries) {
      throw new Error('PostgreSQL is not installed (Debian package: postgresql)');
    }
    const account = process.getuid?.() === 0 ? postgresAccount() : undefined;
    const dir = mkdtempSync(join(tmpdir(), 'lapse-postgres-'));
    if (account) {
      chownSync(dir, account.uid, account.gid);
      chmodSync(dir, 0o700);
    }
    const server = new PostgresServer(binaries, dir, await freePort(), account);
    try {
      server.run('initdb', [
        '--pgdata',
        join(dir, 'data'),
        '--username',
        'lapse',
        '--auth',
        'trust',
        '--encoding',
        'UTF8',
        '--no-locale',
        '--no-sync',
      ]);
      server.run('pg_ctl', [
        'start',
        '--pgdata',
        join(dir, 'data'),
        '--log',
        join(dir, 'server.log'),
        '--wait',
        '--timeout',
        '30',
        '--options',
        [
          `-p ${server.port}`,
          "-c listen_addresses='127.0.0.1'",
          `-c unix_socket_directories='${dir}'`,
          '-c fsync=off',
          '-c synchronous_commit=off',
          '-c full_page_writes=off',
        ].join(' '),
      ]);
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    return server;
  }

  /** `postgres://lapse@127.0.0.1:<port>/postgres`. */
  get url(): string {
    return `postgres://lapse@127.0.0.1:${this.port}/postgres`;
  }

  /** Stops the server (fast shutdown: open sessions are ended) and removes its folder; once. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.run('pg_ctl', ['stop', '--pgdata', join(this.dir, 'data'), '--mode', 'fast', '--wait']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  /** Runs one of the server programs, as `postgres` when this process is root. */
  private run(program: string, args: string[]): void {
    const result = spawnSync(join(this.binaries, program), args, {
      encoding: 'utf8',
      cwd: this.dir,
      ...this.account,
      // pg_ctl leaves the server running in the background: its output must not hold our pipes open.
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    if (result.status !== 0) {
      throw new Error(
        `${program} failed (${result.status ?? result.signal}): ${result.stderr || result.stdout}`,
      );
    }
  }
}
