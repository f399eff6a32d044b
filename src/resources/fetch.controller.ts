import {
  Controller,
  Get,
  Headers,
  HttpStatus,
  Query,
  Res,
  UseFilters,
  UsePipes,
} from '@nestjs/common';
import type { StreamableFile } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { RequestHeaders } from './conditional-request';
import { FetchQueryDto } from './dto/fetch-query.dto';
import { RESOURCE_RESPONSE_SCHEMA, ResourceResponseDto } from './dto/resource-response.dto';
import { CompiledResponse } from '../http/compiled-response';
import { ApiErrorResponse, ApiStoreUnavailableResponse } from '../http/error-response';
import { HttpCacheHeaders } from './http-cache-headers';
import { ApiOriginErrorResponses } from './origin-responses';
import { answerRead } from './read-answer';
import { ResourcesService, resourceNotFound } from './resources.service';
import { JsonValidationPipe } from '../validation/json-validation.pipe';
import { StoreUnavailableFilter } from '../http/all-exceptions.filter';

@ApiTags('resources')
@UsePipes(JsonValidationPipe)
@UseFilters(StoreUnavailableFilter)
@Controller('fetch')
export class FetchController {
  constructor(
    private readonly resources: ResourcesService,
    private readonly httpCache: HttpCacheHeaders,
  ) {}

  /**
   * Read a URL through the cache
   *
   * @remarks The same as `GET /resources/{id}` with the URL as id, without
   * percent-encoding it into the path: served from the cache, else fetched
   * from its origin when it is on ORIGINS (read-through), else a 404. A
   * fetched body that is not JSON (text, an image, a PDF) is served as it
   * came, its bytes with the origin's Content-Type, rather than in the
   * resource envelope.
   */
  @Get()
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'ETags the client holds.' })
  @ApiHeader({ name: 'If-Modified-Since', required: false })
  @CompiledResponse(RESOURCE_RESPONSE_SCHEMA, HttpStatus.OK)
  @ApiExtraModels(ResourceResponseDto)
  @ApiOkResponse({
    description:
      'The resource; for a fetched body that is not JSON (text or bytes), the body as it ' +
      "came, with the origin's Content-Type.",
    content: {
      'application/json': { schema: { $ref: getSchemaPath(ResourceResponseDto) } },
      'text/plain': { schema: { type: 'string' } },
      'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
    },
  })
  @ApiNotModifiedResponse({ description: 'The client copy is still good.' })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'Invalid url.', [
    'url must be a string of 1 to 1024 characters',
  ])
  @ApiErrorResponse(
    HttpStatus.NOT_FOUND,
    'Not cached, and not on an allowed origin (or the origin answered 404).',
    resourceNotFound('https://api.example.com/users/1').message,
  )
  @ApiOriginErrorResponses()
  @ApiStoreUnavailableResponse()
  get(
    @Query() { url }: FetchQueryDto,
    @Headers() headers: RequestHeaders,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<ResourceResponseDto | StreamableFile | undefined> {
    // The web-cache view: a text or binary body comes back as it came.
    return answerRead(this.resources, this.httpCache, url, headers, response, { rawBody: true });
  }
}
