import { connect } from 'node:net';
import request from 'supertest';
import { freePort, isRunning, serverProcessSuite, within } from './helpers/server-process';
import type { ServerProcess } from './helpers/server-process';
import { eventually, sleep } from './helpers/time';

// A whole process is started and stopped.
jest.setTimeout(30_000);

/** A log line of the JSON format, as pino writes it. */
interface LogLine {
  level: number;
  msg?: string;
  stack?: string;
  err?: unknown;
  req?: { id?: string };
  res?: { statusCode?: number };
  route?: string;
}

/**
 * Sends a request's headers with `Content-Length`, then half of its body, and
 * closes the connection, as a client that gives up (or crashes) mid-upload.
 */
async function abortMidBody(port: number, requestId: string): Promise<void> {
  const body = JSON.stringify({ data: 'x'.repeat(2000) });
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.write(
    `PUT /resources/aborted HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` +
      `X-Request-Id: ${requestId}\r\n\r\n${body.slice(0, body.length / 2)}`,
  );
  // Long enough for the server to be reading the body when the client goes.
  await sleep(100);
  socket.destroy();
}

describe('a client that closes its connection mid-body', () => {
  const processes = serverProcessSuite('client-abort');

  it('is logged as its request only (499, at info): no error and no stack', async () => {
    const port = await freePort();
    const server: ServerProcess = processes.start({
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_FORMAT: 'json',
      LOG_LEVEL: 'info',
    });
    const http = () => request(`http://127.0.0.1:${port}`);
    await eventually(async () => {
      if (!isRunning(server)) throw new Error(`Exited:\n${server.output()}`);
      await http().get('/health').expect(200);
    }, 20_000);
    const mark = server.output().length;

    const ids = ['aborted-1', 'aborted-2', 'aborted-3'];
    for (const id of ids) await abortMidBody(port, id);
    // The server is unharmed, and nothing was written.
    await http().get('/resources/aborted').expect(404);

    const lines = (): LogLine[] =>
      server
        .output()
        .slice(mark)
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as LogLine);
    await eventually(() => {
      expect(lines().filter((line) => ids.includes(line.req?.id ?? ''))).toHaveLength(3);
    }, 5000);
    await sleep(200); // an error line, if any, would follow at once

    const window = lines();
    expect(window.filter((line) => line.level >= 40)).toEqual([]);
    expect(window.filter((line) => line.stack !== undefined || line.err !== undefined)).toEqual([]);
    for (const id of ids) {
      expect(window.filter((line) => line.req?.id === id)).toEqual([
        expect.objectContaining({ level: 30, route: '/resources/:id', res: { statusCode: 499 } }),
      ]);
    }
    const metrics = await http().get('/metrics').expect(200);
    expect(metrics.text).toContain(
      'lapse_http_request_duration_seconds_count{method="PUT",route="/resources/:id",status_code="499"} 3',
    );

    server.child.kill('SIGTERM');
    await within(server.exited, 5000, () => `No exit:\n${server.output()}`);
  });
});
