import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis-server';

/** Finds Debian's `nginx` binary (on the PATH, or in /usr/sbin, often off a user's PATH), or `undefined`. */
export function findNginx(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v nginx'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status === 0 && path) return path;
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : undefined;
}

/** An answer as the client received it, every header line kept. */
export interface RawAnswer {
  status: number;
  body: string;
  /** The values of each header line, by lower-case name, in arrival order. */
  headers: Record<string, string[]>;
  /** Node's view of the headers (repeated lines joined). */
  joined: IncomingHttpHeaders;
}

/** GETs `url` over a fresh connection, keeping repeated header lines apart. */
export function getRaw(url: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => {
        const lines: Record<string, string[]> = {};
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          (lines[res.rawHeaders[i].toLowerCase()] ??= []).push(res.rawHeaders[i + 1]);
        }
        resolve({ status: res.statusCode ?? 0, body, headers: lines, joined: res.headers });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A real nginx with `proxy_cache` in front of one upstream, as an operator
 * would put it: `proxy_cache_revalidate on`, no `proxy_cache_valid`, so nginx
 * keeps what the upstream's headers allow and nothing else. It adds the proxy
 * convention `X-Cache: <nginx's cache status>` and `X-Upstream-Status`, which
 * says what the upstream answered (empty when nginx answered from its cache).
 * Everything it writes stays in a temporary directory.
 */
export class NginxProxyCache {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    private readonly output: () => string,
  ) {}

  static async start(binary: string, upstreamPort: number): Promise<NginxProxyCache> {
    const dir = mkdtempSync(join(tmpdir(), 'lapse-nginx-'));
    mkdirSync(join(dir, 'logs'));
    const port = await freePort();
    writeFileSync(join(dir, 'nginx.conf'), config(dir, port, upstreamPort));
    const child = spawn(
      binary,
      [
        '-p',
        dir,
        '-e',
        join(dir, 'logs', 'error.log'),
        '-c',
        join(dir, 'nginx.conf'),
        '-g',
        `daemon off; pid ${join(dir, 'nginx.pid')};`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const nginx = new NginxProxyCache(child, dir, `http://127.0.0.1:${port}`, () => output);
    await nginx.waitUntilListening();
    return nginx;
  }

  /** Stops nginx (SIGTERM: fast shutdown), then removes its directory. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async waitUntilListening(): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) break;
      try {
        // Any answer will do: nginx accepts connections once it is configured.
        await getRaw(`${this.url}/nginx-ready-probe`);
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    throw new Error(`nginx did not start:\n${this.output()}`);
  }
}

function config(dir: string, port: number, upstreamPort: number): string {
  const path = (name: string): string => join(dir, name);
  return `
# Run as root (CI containers), the workers would otherwise be "nobody" and unable to use the temp dir.
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
error_log ${path('logs/error.log')} warn;
events { worker_connections 64; }
http {
  access_log ${path('logs/access.log')};
  client_body_temp_path ${path('client_body')};
  proxy_temp_path ${path('proxy_temp')};
  fastcgi_temp_path ${path('fastcgi_temp')};
  uwsgi_temp_path ${path('uwsgi_temp')};
  scgi_temp_path ${path('scgi_temp')};
  proxy_cache_path ${path('cache')} levels=1:2 keys_zone=lapse:1m max_size=16m inactive=10m use_temp_path=off;
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_cache lapse;
      proxy_cache_revalidate on;
      add_header X-Cache $upstream_cache_status always;
      add_header X-Upstream-Status $upstream_status always;
    }
  }
}
`;
}
