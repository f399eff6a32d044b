import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
  Res,
  UseFilters,
  UsePipes,
} from '@nestjs/common';
import {
  ApiCreatedResponse,
  ApiExcludeEndpoint,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { preconditionOf } from './conditional-request';
import { ReadAccess } from '../security/access.decorators';
import type { RequestHeaders } from './conditional-request';
import { setStatus } from '../http/adapter-neutral';
import {
  MgetResourcesDto,
  MgetResponseDto,
  MsetResourcesDto,
  MsetResponseDto,
} from './dto/bulk.dto';
import { ListResourcesQueryDto, PurgeResourcesQueryDto } from './dto/list-resources.dto';
import { PutResourceDto } from './dto/put-resource.dto';
import { ResourceParamsDto } from './dto/resource-params.dto';
import { PurgeResponseDto, ResourcePageDto, toResourcePage } from './dto/resource-page.dto';
import {
  RESOURCE_RESPONSE_SCHEMA,
  ResourceResponseDto,
  toResourceResponse,
} from './dto/resource-response.dto';
import { CompiledResponse } from '../http/compiled-response';
import {
  ApiErrorResponse,
  ApiJsonBodyErrorResponses,
  ApiStoreUnavailableResponse,
} from '../http/error-response';
import { TouchResourceDto } from './dto/touch-resource.dto';
import { HttpCacheHeaders } from './http-cache-headers';
import { ApiOriginErrorResponses } from './origin-responses';
import { answerRead } from './read-answer';
import { ResourcesService, preconditionFailed, resourceNotFound } from './resources.service';
import { JsonValidationPipe } from '../validation/json-validation.pipe';
import { StoreUnavailableFilter } from '../http/all-exceptions.filter';

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'Only if the entry exists and has one of these ETags (else 412).',
};

/** The 404 of the routes that read or change one resource. */
const ApiResourceNotFound = () =>
  ApiErrorResponse(
    HttpStatus.NOT_FOUND,
    'Absent or expired.',
    resourceNotFound('greeting').message,
  );

@ApiTags('resources')
@ApiErrorResponse(
  HttpStatus.BAD_REQUEST,
  'Invalid id, query or body; the message names the field.',
  ['ttl must not be greater than 31536000'],
)
@ApiStoreUnavailableResponse()
@UsePipes(JsonValidationPipe)
@UseFilters(StoreUnavailableFilter)
@Controller('resources')
export class ResourcesController {
  constructor(
    private readonly resources: ResourcesService,
    private readonly httpCache: HttpCacheHeaders,
  ) {}

  /**
   * List resources
   *
   * @remarks Lists live resources in id order, without their data, by id prefix
   * and/or tag, a page at a time: the `nextCursor` of a page, sent as `cursor`,
   * gives the next one.
   */
  @Get()
  @ApiOkResponse({ type: ResourcePageDto })
  async list(@Query() query: ListResourcesQueryDto): Promise<ResourcePageDto> {
    return toResourcePage(await this.resources.list(query));
  }

  /**
   * Delete resources by id prefix or tag
   *
   * @remarks Deletes the live resources whose id starts with `prefix` and/or
   * that have `tag`, or all of them with `all=true`. One of the three is
   * required: this never flushes the cache by accident.
   */
  @Delete()
  @ApiOkResponse({ type: PurgeResponseDto })
  async purge(@Query() { prefix, tag, all }: PurgeResourcesQueryDto): Promise<PurgeResponseDto> {
    if (all === undefined && prefix === undefined && tag === undefined) {
      throw new BadRequestException([
        'prefix, tag or all=true is required: DELETE /resources never flushes by accident',
      ]);
    }
    if (all !== undefined && (prefix !== undefined || tag !== undefined)) {
      throw new BadRequestException(['all cannot be combined with prefix or tag']);
    }
    return { deleted: await this.resources.purge({ prefix, tag }) };
  }

  /**
   * Read many resources
   *
   * @remarks Reads up to 1000 resources at once, each as `GET /resources/{id}`
   * would (a hit or a miss): the live entries found, and the ids absent or
   * expired. A read, although sent as POST: it needs a key only with
   * AUTH_READS=true.
   */
  @Post('_mget')
  @ReadAccess()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: MgetResponseDto })
  @ApiJsonBodyErrorResponses()
  async mget(@Body() { ids }: MgetResourcesDto): Promise<MgetResponseDto> {
    const { found, missing } = await this.resources.getMany(ids);
    const now = Date.now();
    return { items: found.map((resource) => toResourceResponse(resource, now)), missing };
  }

  /**
   * Write many resources
   *
   * @remarks Writes up to 1000 resources, each as `PUT /resources/{id}` would
   * without preconditions. Every item is validated first: if any is invalid,
   * the answer is a 400 and nothing is written.
   */
  @Post('_mset')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: MsetResponseDto })
  @ApiJsonBodyErrorResponses()
  async mset(@Body() { items }: MsetResourcesDto): Promise<MsetResponseDto> {
    const written = await this.resources.putMany(items);
    const now = Date.now();
    return { items: written.map((resource) => toResourceResponse(resource, now)) };
  }

  /**
   * Cache a resource
   *
   * @remarks Caches JSON data under an id for `ttl` seconds (default CACHE_TTL),
   * creating the entry (201) or replacing it (200). With `If-Match` or
   * `If-None-Match: *`, the check and the write are one atomic step.
   */
  @Put(':id')
  @ApiHeader(IF_MATCH)
  @ApiHeader({
    name: 'If-None-Match',
    required: false,
    description: '`*`: only create, never replace (else 412).',
  })
  @CompiledResponse(RESOURCE_RESPONSE_SCHEMA, HttpStatus.OK, HttpStatus.CREATED)
  @ApiCreatedResponse({ type: ResourceResponseDto, description: 'A new entry was created.' })
  @ApiOkResponse({ type: ResourceResponseDto, description: 'An existing entry was replaced.' })
  @ApiErrorResponse(
    HttpStatus.PRECONDITION_FAILED,
    'If-Match or If-None-Match failed; nothing changed.',
    preconditionFailed('greeting'),
  )
  @ApiJsonBodyErrorResponses()
  async put(
    @Param() { id }: ResourceParamsDto,
    @Body() body: PutResourceDto,
    @Headers() headers: RequestHeaders,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<ResourceResponseDto> {
    const { resource, created } = await this.resources.put(id, body, preconditionOf(headers));
    setStatus(response, created ? HttpStatus.CREATED : HttpStatus.OK);
    this.httpCache.written(response, resource);
    return toResourceResponse(resource);
  }

  /** An id is required: `PUT /resources/` names no resource. */
  @Put()
  @ApiExcludeEndpoint()
  putWithoutId(): never {
    throw new BadRequestException(['id must be a string of 1 to 1024 characters']);
  }

  /**
   * Read a resource
   *
   * @remarks Serves a cached resource until it expires, with HTTP caching
   * headers (`ETag`, `Last-Modified`, `Cache-Control`, `Expires`); answers 304
   * to a conditional request for an unchanged one. `HEAD` answers the same
   * without a body. With ORIGINS set, an id that is a URL on one of them is
   * fetched from it on a miss (read-through).
   */
  @Get(':id')
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'ETags the client holds.' })
  @ApiHeader({ name: 'If-Modified-Since', required: false })
  @CompiledResponse(RESOURCE_RESPONSE_SCHEMA, HttpStatus.OK)
  @ApiOkResponse({ type: ResourceResponseDto })
  @ApiNotModifiedResponse({ description: 'The client copy is still good.' })
  @ApiResourceNotFound()
  @ApiOriginErrorResponses()
  async get(
    @Param() { id }: ResourceParamsDto,
    @Headers() headers: RequestHeaders,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<ResourceResponseDto | undefined> {
    return answerRead(this.resources, this.httpCache, id, headers, response);
  }

  /**
   * Delete a resource
   *
   * @remarks Removes a cached resource; with `If-Match`, only while it has one
   * of those ETags.
   */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiResourceNotFound()
  @ApiErrorResponse(
    HttpStatus.PRECONDITION_FAILED,
    'If-Match failed; nothing changed.',
    preconditionFailed('greeting'),
  )
  async delete(
    @Param() { id }: ResourceParamsDto,
    @Headers() headers: RequestHeaders,
  ): Promise<void> {
    await this.resources.delete(id, preconditionOf(headers));
  }

  /**
   * Extend a resource's life
   *
   * @remarks Gives a live resource a new time-to-live from now (`ttl`, default
   * CACHE_TTL), its data unchanged. Answers with the (unchanged) validators,
   * as `GET` does.
   */
  @Post(':id/touch')
  @HttpCode(HttpStatus.OK)
  @CompiledResponse(RESOURCE_RESPONSE_SCHEMA, HttpStatus.OK)
  @ApiOkResponse({ type: ResourceResponseDto })
  @ApiResourceNotFound()
  @ApiJsonBodyErrorResponses()
  async touch(
    @Param() { id }: ResourceParamsDto,
    @Body() { ttl }: TouchResourceDto,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<ResourceResponseDto> {
    const resource = await this.resources.touch(id, ttl);
    this.httpCache.written(response, resource);
    return toResourceResponse(resource);
  }
}
