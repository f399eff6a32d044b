import type { LoggerService } from '@nestjs/common';
import pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import type { FinishedRequest } from '../http/request-hooks';

/** Where and how Lapse writes its logs. */
export interface LogSettings {
  /** A pino level (`info`, `warn`...) or `silent`. */
  level: string;
  /** One readable line for a terminal instead of JSON. */
  pretty: boolean;
}

/** Loggers with lines perhaps still buffered, written out when the process exits. */
const flushedAtExit = new Set<AppLogger>();

function flushAll(): void {
  for (const logger of flushedAtExit) logger.flush();
}

/**
 * Lapse's one pino logger: a line per request (written when the request
 * finishes, with no per-request child logger or request context) and Nest's
 * own messages, as JSON on standard output. JSON lines are written
 * asynchronously (`pino.destination({ sync: false })`) and flushed when the
 * application shuts down or the process exits.
 */
export class AppLogger implements LoggerService {
  private readonly logger: Logger;
  private readonly destination?: DestinationStream & { flushSync(): void };

  constructor({ level, pretty }: LogSettings) {
    if (pretty) {
      this.logger = pino({
        level,
        transport: {
          target: 'pino-pretty',
          options: { singleLine: true, translateTime: 'SYS:HH:MM:ss.l' },
        },
      });
      return;
    }
    const destination = pino.destination({ sync: false });
    this.destination = destination;
    this.logger = pino({ level }, destination);
    flushedAtExit.add(this);
    if (flushedAtExit.size === 1) process.once('exit', flushAll);
  }

  /**
   * Logs a finished request: one line with its id, method, URL, route, status
   * and duration; nothing of its body, keys or headers. At `error` for a 5xx
   * but 503, else `info`: a 503 answers for a store that is down, which the
   * store logs once when it goes and once when it is back, however many
   * requests it fails meanwhile.
   */
  request({ requestId, method, url, route, statusCode, durationMs }: FinishedRequest): void {
    const level = statusCode >= 500 && statusCode !== 503 ? 'error' : 'info';
    if (!this.logger.isLevelEnabled(level)) return;
    const responseTime = Math.round(durationMs);
    this.logger[level](
      {
        req: { id: requestId, method, url },
        res: { statusCode },
        responseTime,
        route,
      },
      `${method} ${route} ${statusCode} ${responseTime}ms`,
    );
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    // Nest passes (message, stack, context) for errors it caught.
    const [stack, ...rest] = params;
    if (typeof stack === 'string' && rest.length > 0) {
      this.write('error', message, rest, { stack });
      return;
    }
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /** Writes out what is buffered; the process's exit need not wait for this logger any more. */
  close(): void {
    this.flush();
    flushedAtExit.delete(this);
    if (flushedAtExit.size === 0) process.off('exit', flushAll);
  }

  /** Writes out what is still buffered; safe to call more than once. */
  flush(): void {
    try {
      this.destination?.flushSync();
    } catch {
      // Not open yet or already closed: nothing is waiting.
    }
  }

  /** Nest's calling convention: the last string parameter is the context. */
  private write(
    level: pino.Level,
    message: unknown,
    params: unknown[],
    extra: Record<string, unknown> = {},
  ): void {
    if (!this.logger.isLevelEnabled(level)) return;
    const last = params.at(-1);
    const context = typeof last === 'string' ? last : undefined;
    const fields = { ...(context !== undefined && { context }), ...extra };
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...message });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
