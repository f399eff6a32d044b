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
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiExcludeEndpoint,
  ApiHeader,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiNotModifiedResponse,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
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
import { TouchResourceDto } from './dto/touch-resource.dto';
import { HttpCacheHeaders } from './http-cache-headers';
import { ResourcesService, resourceNotFound } from './resources.service';

const IF_MATCH = {
  name: 'If-Match',
  required: false,
  description: 'Only if the entry exists and has one of these ETags (else 412).',
};

@ApiTags('resources')
@ApiBadRequestResponse({ description: 'Invalid id, query or body; the message names the field.' })
@Controller('resources')
export class ResourcesController {
  constructor(
    private readonly resources: ResourcesService,
    private readonly httpCache: HttpCacheHeaders,
  ) {}

  /** Lists live resources in id order, by id prefix and/or tag, a page at a time. */
  @Get()
  @ApiOkResponse({ type: ResourcePageDto })
  async list(@Query() query: ListResourcesQueryDto): Promise<ResourcePageDto> {
    return toResourcePage(await this.resources.list(query));
  }

  /** Deletes the resources with an id prefix and/or a tag, or all of them with `all=true`. */
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

  /** Reads up to 1000 resources at once; each counts as a hit or a miss. */
  @Post('_mget')
  @ReadAccess()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: MgetResponseDto })
  async mget(@Body() { ids }: MgetResourcesDto): Promise<MgetResponseDto> {
    const { found, missing } = await this.resources.getMany(ids);
    const now = Date.now();
    return { items: found.map((resource) => toResourceResponse(resource, now)), missing };
  }

  /** Writes up to 1000 resources; if any item is invalid, nothing is written. */
  @Post('_mset')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: MsetResponseDto })
  async mset(@Body() { items }: MsetResourcesDto): Promise<MsetResponseDto> {
    const written = await this.resources.putMany(items);
    const now = Date.now();
    return { items: written.map((resource) => toResourceResponse(resource, now)) };
  }

  /** Caches JSON data under an id, creating or replacing the entry. */
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
  @ApiPreconditionFailedResponse({
    description: 'If-Match or If-None-Match failed; nothing changed.',
  })
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
   * Serves a cached resource until it expires, with HTTP caching headers;
   * answers 304 to a conditional request for an unchanged one. `HEAD` answers
   * the same without a body.
   */
  @Get(':id')
  @ApiHeader({ name: 'If-None-Match', required: false, description: 'ETags the client holds.' })
  @ApiHeader({ name: 'If-Modified-Since', required: false })
  @CompiledResponse(RESOURCE_RESPONSE_SCHEMA, HttpStatus.OK)
  @ApiOkResponse({ type: ResourceResponseDto })
  @ApiNotModifiedResponse({ description: 'The client copy is still good.' })
  @ApiNotFoundResponse({ description: 'Absent or expired.' })
  async get(
    @Param() { id }: ResourceParamsDto,
    @Headers() headers: RequestHeaders,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<ResourceResponseDto | undefined> {
    const resource = await this.resources.find(id);
    if (!resource) {
      this.httpCache.miss(response);
      throw resourceNotFound(id);
    }
    if (this.httpCache.hit(headers, response, resource)) {
      setStatus(response, HttpStatus.NOT_MODIFIED);
      return undefined;
    }
    return toResourceResponse(resource);
  }

  /** Removes a cached resource. */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiHeader(IF_MATCH)
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiNotFoundResponse({ description: 'Absent or expired.' })
  @ApiPreconditionFailedResponse({ description: 'If-Match failed; nothing changed.' })
  async delete(
    @Param() { id }: ResourceParamsDto,
    @Headers() headers: RequestHeaders,
  ): Promise<void> {
    await this.resources.delete(id, preconditionOf(headers));
  }

  /**
   * Extends a resource's life: a new time-to-live from now (default CACHE_TTL).
   * Answers with the (unchanged) validators, as `GET` does.
   */
  @Post(':id/touch')
  @HttpCode(HttpStatus.OK)
  @CompiledResponse(RESOURCE_RESPONSE_SCHEMA, HttpStatus.OK)
  @ApiOkResponse({ type: ResourceResponseDto })
  @ApiNotFoundResponse({ description: 'Absent or expired.' })
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
