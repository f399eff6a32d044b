import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Post,
  Query,
  Res,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { RequestHeaders } from '../resources/conditional-request';
import { setStatus } from '../http/adapter-neutral';
import { HttpCacheHeaders } from '../resources/http-cache-headers';
import { CompatService } from './compat.service';
import type { CompatResponse } from './compat-responses';

/** The original service's routes; new clients should prefer `/resources` and `/interactions`. */
@ApiTags('seed-compatible')
@Controller()
export class CompatController {
  constructor(
    private readonly compat: CompatService,
    private readonly httpCache: HttpCacheHeaders,
  ) {}

  /**
   * Returns the cached data for `id`, or a failure body (status 200 either
   * way), with the same HTTP caching headers as `GET /resources/:id`.
   */
  @Get('get_cached_resource')
  @ApiQuery({ name: 'id', required: false, example: 'https://example.com/articles/42' })
  @ApiOkResponse({
    description: 'Success with the data, or failure when absent, expired or id missing.',
    schema: {
      oneOf: [
        { example: { status: 'success', data: { title: 'Hello' } } },
        { example: { status: 'failure', message: 'Resource not found or expired.' } },
      ],
    },
  })
  async getCachedResource(
    @Query('id') id: unknown,
    @Headers() headers: RequestHeaders,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<CompatResponse | undefined> {
    const { body, resource } = await this.compat.getCachedResource(id);
    if (!resource) {
      this.httpCache.miss(response);
      // Express answers 304 by itself to `If-None-Match: *` on any 200; a miss
      // must keep its failure body, so its validators are dropped here.
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
      return body;
    }
    if (this.httpCache.hit(headers, response, resource)) {
      setStatus(response, HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    return body;
  }

  /** Caches `data` under `id` for the default TTL and records a `view` interaction. */
  @Post('track_interaction')
  @HttpCode(HttpStatus.OK)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['id', 'data'],
      properties: { id: { type: 'string' }, data: { description: 'Any JSON value but null' } },
      example: { id: 'https://example.com/articles/42', data: { title: 'Hello' } },
    },
  })
  @ApiOkResponse({
    description: 'Success, or failure when id or data is missing (always status 200).',
    schema: {
      oneOf: [
        { example: { status: 'success', message: 'Resource cached successfully.' } },
        { example: { status: 'failure', message: 'Invalid data provided.' } },
      ],
    },
  })
  trackInteraction(@Body() body: unknown): Promise<CompatResponse> {
    return this.compat.trackInteraction(body);
  }
}
