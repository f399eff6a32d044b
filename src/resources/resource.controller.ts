import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiExcludeEndpoint,
  ApiTags,
} from '@nestjs/swagger';
import { setStatus } from '../common/http';
import { PutResourceDto } from './dto/put-resource.dto';
import { ResourceParamsDto } from './dto/resource-params.dto';
import { ResourceResponseDto, toResourceResponse } from './dto/resource-response.dto';
import { TouchResourceDto } from './dto/touch-resource.dto';
import { ResourcesService } from './resources.service';

@ApiTags('resources')
@ApiBadRequestResponse({ description: 'Invalid id or body; the message names the field.' })
@Controller('resources')
export class ResourceController {
  constructor(private readonly resources: ResourcesService) {}

  /** Caches JSON data under an id, creating or replacing the entry. */
  @Put(':id')
  @ApiCreatedResponse({ type: ResourceResponseDto, description: 'A new entry was created.' })
  @ApiOkResponse({ type: ResourceResponseDto, description: 'An existing entry was replaced.' })
  async put(
    @Param() { id }: ResourceParamsDto,
    @Body() body: PutResourceDto,
    @Res({ passthrough: true }) response: unknown,
  ): Promise<ResourceResponseDto> {
    const { resource, created } = await this.resources.put(id, body);
    setStatus(response, created ? HttpStatus.CREATED : HttpStatus.OK);
    return toResourceResponse(resource);
  }

  /** An id is required: `PUT /resources/` names no resource. */
  @Put()
  @ApiExcludeEndpoint()
  putWithoutId(): never {
    throw new BadRequestException(['id must be a string of 1 to 1024 characters']);
  }

  /** Serves a cached resource until it expires. `HEAD` answers the same without a body. */
  @Get(':id')
  @ApiOkResponse({ type: ResourceResponseDto })
  @ApiNotFoundResponse({ description: 'Absent or expired.' })
  async get(@Param() { id }: ResourceParamsDto): Promise<ResourceResponseDto> {
    return toResourceResponse(await this.resources.get(id));
  }

  /** Removes a cached resource. */
  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiNotFoundResponse({ description: 'Absent or expired.' })
  async delete(@Param() { id }: ResourceParamsDto): Promise<void> {
    await this.resources.delete(id);
  }

  /** Extends a resource's life: a new time-to-live from now (default CACHE_TTL). */
  @Post(':id/touch')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: ResourceResponseDto })
  @ApiNotFoundResponse({ description: 'Absent or expired.' })
  async touch(
    @Param() { id }: ResourceParamsDto,
    @Body() { ttl }: TouchResourceDto,
  ): Promise<ResourceResponseDto> {
    return toResourceResponse(await this.resources.touch(id, ttl));
  }
}
