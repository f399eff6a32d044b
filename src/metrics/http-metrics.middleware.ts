import { Injectable } from '@nestjs/common';
import type { NestMiddleware } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { routeOf } from '../http/adapter-neutral';
import { MetricsService } from './metrics.service';

/** Times every request, from arrival to the last byte, by route template and status. */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: IncomingMessage, response: ServerResponse, next: () => void): void {
    const started = process.hrtime.bigint();
    response.once('finish', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.observeRequest(
        request.method ?? 'GET',
        routeOf(request),
        response.statusCode,
        seconds,
      );
    });
    next();
  }
}
