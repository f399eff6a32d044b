import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Finds the `redis-server` binary on the PATH, or `undefined`. */
export function findRedisServer(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
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

/** Resolves once something accepts TCP connections and answers PING on `port`. */
export async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.setTimeout(200, () => {
        socket.destroy();
        resolve(false);
      });
      socket.on('error', () => resolve(false));
      socket.on('connect', () => socket.write('PING\r\n'));
      socket.on('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
    });
    if (answered) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
}

export interface RedisServerOptions {
  /**
   * Keep every acknowledged write across a kill (append-only file, fsync on
   * every write): the default. `false` keeps nothing on disk, for a throw-away
   * cache under heavy load; a restart then starts empty.
   */
  durable?: boolean;
}

/**
 * A real `redis-server` that a test owns: started on a free loopback port with
 * its own data folder, and stoppable, killable and restartable on the same
 * port with the same data (append-only file, fsync on every write, so nothing
 * acknowledged is lost to a kill), unless started with `durable: false`.
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'lapse-redis-'));

  private constructor(
    private readonly binary: string,
    readonly port: number,
    private readonly durable: boolean,
  ) {}

  /** Starts a server; fails when no `redis-server` binary is installed. */
  static async start({ durable = true }: RedisServerOptions = {}): Promise<RedisServer> {
    const binary = findRedisServer();
    if (!binary) throw new Error('redis-server is not installed (Debian package: redis-server)');
    const server = new RedisServer(binary, await freePort(), durable);
    await server.restart();
    return server;
  }

  /** `redis://127.0.0.1:<port>/0`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** Starts the server again (same port, same data) after a stop or kill. */
  async restart(): Promise<void> {
    if (this.process) throw new Error('redis-server is already running');
    const child = spawn(
      this.binary,
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        ...(this.durable
          ? ['--appendonly', 'yes', '--appendfsync', 'always']
          : ['--appendonly', 'no']),
        '--protected-mode',
        'no',
      ],
      { stdio: 'ignore' },
    );
    this.process = child;
    child.once('exit', () => {
      if (this.process === child) this.process = undefined;
    });
    await waitForPing(this.port, 10_000);
  }

  /** Kills the server at once (SIGKILL), as a crash would. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Freezes the server (SIGSTOP): connections stay open but nothing answers. */
  pause(): void {
    this.process?.kill('SIGSTOP');
  }

  /** Thaws a paused server (SIGCONT). */
  resume(): void {
    this.process?.kill('SIGCONT');
  }

  /** Stops the server for good and removes its data. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.process;
    if (!child) return;
    child.kill('SIGCONT'); // a paused server could not act on the signal
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    this.process = undefined;
  }
}
