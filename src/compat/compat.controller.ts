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
  UsePipes,
} from '@nestjs/common';
import type { Type } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiQuery,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { RequestHeaders } from '../resources/conditional-request';
import { setStatus } from '../http/adapter-neutral';
import { ApiStoreUnavailableResponse } from '../http/error-response';
import { HttpCacheHeaders } from '../resources/http-cache-headers';
import { CompatService } from './compat.service';
import { COMPAT_CACHED, COMPAT_INVALID, COMPAT_NOT_FOUND } from './compat-responses';
import type { CompatResponse } from './compat-responses';
import { CompatCachedDto, CompatFailureDto, CompatFoundDto } from './dto/compat-response.dto';
import { JsonValidationPipe } from '../validation/json-validation.pipe';

/** An answer of an original route: one of `schemas`, with an example of each. */
function oneOfBody(
  schemas: [Type<unknown>, Type<unknown>],
  examples: Record<string, { summary: string; value: unknown }>,
) {
  return {
    'application/json': {
      schema: { oneOf: schemas.map((schema) => ({ $ref: getSchemaPath(schema) })) },
      examples,
    },
  };
}

/**
 * A client error of the original write route (a body that cannot be read):
 * its own failure body, not the usual error body.
 */
const ApiCompatClientError = (status: number, description: string) =>
  ApiResponse({ status, description, type: CompatFailureDto, example: COMPAT_INVALID });

/** The original service's routes; new clients should prefer `/resources` and `/interactions`. */
@ApiTags('seed-compatible')
@ApiExtraModels(CompatFoundDto, CompatCachedDto, CompatFailureDto)
@ApiStoreUnavailableResponse()
@UsePipes(JsonValidationPipe)
@Controller()
export class CompatController {
  constructor(
    private readonly compat: CompatService,
    private readonly httpCache: HttpCacheHeaders,
  ) {}

  /**
   * Read a cached resource (original route)
   *
   * @remarks Answers the data cached for `id`, or a failure body when `id` is
   * missing, absent or expired: status 200 either way. The HTTP caching
   * headers are those of `GET /resources/{id}`, with a 304 to a conditional
   * request for an unchanged resource.
   */
  @Get('get_cached_resource')
  @ApiQuery({
    name: 'id',
    type: String,
    required: false,
    description: 'The resource id; when missing or not a valid id, the answer is a failure.',
    example: 'https://example.com/articles/42',
  })
  @ApiOkResponse({
    description: 'Success with the data, or failure when absent, expired or id missing.',
    content: oneOfBody([CompatFoundDto, CompatFailureDto], {
      found: { summary: 'Found', value: { status: 'success', data: { title: 'Hello' } } },
      missing: { summary: 'Absent or expired', value: COMPAT_NOT_FOUND },
    }),
  })
  @ApiNotModifiedResponse({ description: 'The client copy is still good.' })
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

  /**
   * Cache a resource and record a view (original route)
   *
   * @remarks Caches `data` under `id` for the default TTL (CACHE_TTL) and
   * records a `view` interaction. A missing or invalid `id` or `data` is a
   * failure body with status 200; a body that cannot be read (malformed, too
   * large, compressed) gets the same failure body with a 4xx status.
   */
  @Post('track_interaction')
  @HttpCode(HttpStatus.OK)
  @ApiBody({
    schema: {
      type: 'object',
      required: ['id', 'data'],
      properties: {
        id: { type: 'string', description: 'The resource id (a key or a URL).' },
        data: { description: 'Any JSON value but null.' },
      },
      example: { id: 'https://example.com/articles/42', data: { title: 'Hello' } },
    },
  })
  @ApiOkResponse({
    description: 'Success, or failure when id or data is missing or invalid.',
    content: oneOfBody([CompatCachedDto, CompatFailureDto], {
      cached: { summary: 'Cached', value: COMPAT_CACHED },
      invalid: { summary: 'Invalid id or data', value: COMPAT_INVALID },
    }),
  })
  @ApiCompatClientError(
    HttpStatus.BAD_REQUEST,
    'The body is not JSON, is neither an object nor an array, or is nested more than 512 levels deep.',
  )
  @ApiCompatClientError(
    HttpStatus.PAYLOAD_TOO_LARGE,
    'The body is larger than BODY_LIMIT (1 MB by default).',
  )
  @ApiCompatClientError(
    HttpStatus.UNSUPPORTED_MEDIA_TYPE,
    'The body is compressed (`Content-Encoding`) or not UTF-8 (`charset`).',
  )
  trackInteraction(@Body() body: unknown): Promise<CompatResponse> {
    return this.compat.trackInteraction(body);
  }
}
