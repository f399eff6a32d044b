import {
  Body,
  Controller,
  Get,
  HttpStatus,
  Param,
  Post,
  Query,
  UseFilters,
  UsePipes,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  ApiErrorResponse,
  ApiJsonBodyErrorResponses,
  ApiStoreUnavailableResponse,
} from '../http/error-response';
import {
  InteractionResponseDto,
  InteractionSeriesResponseDto,
  InteractionSummaryResponseDto,
  TopResourceResponseDto,
  toInteractionResponse,
  toSeriesResponse,
  toSummaryResponse,
  toTopResourceResponse,
} from './dto/interaction-response.dto';
import { SeriesQueryDto } from '../time-series/dto/series-query.dto';
import { InteractionParamsDto } from './dto/interaction-params.dto';
import { TopQueryDto } from './dto/top-query.dto';
import { TrackInteractionDto } from './dto/track-interaction.dto';
import { TrackingService } from './tracking.service';
import { JsonValidationPipe } from '../validation/json-validation.pipe';
import { StoreUnavailableFilter } from '../http/all-exceptions.filter';

@ApiTags('interactions')
@ApiErrorResponse(HttpStatus.BAD_REQUEST, 'Invalid input; the message names the field.', [
  'type must match /^[a-z0-9_.-]{1,64}$/ (e.g. view, click, share)',
])
@ApiStoreUnavailableResponse()
@UsePipes(JsonValidationPipe)
@UseFilters(StoreUnavailableFilter)
@Controller('interactions')
export class TrackingController {
  constructor(private readonly tracking: TrackingService) {}

  /**
   * Record an interaction
   *
   * @remarks Counts one interaction of `type` (default `view`) with a resource
   * and answers with the resource's total so far; with `data`, also caches the
   * resource as `PUT /resources/{id}` would, for `ttl` seconds.
   */
  @Post()
  @ApiCreatedResponse({ type: InteractionResponseDto })
  @ApiErrorResponse(
    HttpStatus.CONFLICT,
    'A type new to a resource that has TRACKING_MAX_TYPES types; nothing changed.',
    [
      'type "like" is new to this resource, which already has the most interaction types ' +
        'TRACKING_MAX_TYPES allows (32, one of them kept for "view"): record one of its types instead',
    ],
  )
  @ApiJsonBodyErrorResponses()
  async record(@Body() body: TrackInteractionDto): Promise<InteractionResponseDto> {
    return toInteractionResponse(await this.tracking.record(body));
  }

  /**
   * List the most-interacted resources
   *
   * @remarks The `limit` resources with the most interactions, highest total
   * first: of all time, or with `since`, counting only the interactions since
   * then.
   */
  @Get()
  @ApiOkResponse({ type: [TopResourceResponseDto] })
  async top(@Query() { limit, since }: TopQueryDto): Promise<TopResourceResponseDto[]> {
    return (await this.tracking.top(limit, since)).map(toTopResourceResponse);
  }

  /**
   * Read a resource's interactions over time
   *
   * @remarks A resource's interactions per minute or hour (`interval`) from
   * `from` to `to`, oldest first, with zeros where there were none (only zeros
   * for a resource never tracked).
   */
  @Get(':resourceId/series')
  @ApiOkResponse({ type: InteractionSeriesResponseDto })
  async series(
    @Param() { resourceId }: InteractionParamsDto,
    @Query() query: SeriesQueryDto,
  ): Promise<InteractionSeriesResponseDto> {
    const { range, points } = await this.tracking.series(resourceId, query);
    return toSeriesResponse(resourceId, range, points);
  }

  /**
   * Read a resource's interaction counts
   *
   * @remarks The total, the count per type, and the first and latest
   * interaction of one resource.
   */
  @Get(':resourceId')
  @ApiOkResponse({ type: InteractionSummaryResponseDto })
  @ApiErrorResponse(
    HttpStatus.NOT_FOUND,
    'Never tracked, or no longer (TRACKING_MAX_RESOURCES keeps the most recently active).',
    'No interactions tracked for "https://example.com/articles/42"',
  )
  async summary(
    @Param() { resourceId }: InteractionParamsDto,
  ): Promise<InteractionSummaryResponseDto> {
    return toSummaryResponse(await this.tracking.summary(resourceId));
  }
}
