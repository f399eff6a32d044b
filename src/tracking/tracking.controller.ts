import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
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

@ApiTags('interactions')
@ApiBadRequestResponse({ description: 'Invalid input; the message names the field.' })
@Controller('interactions')
export class TrackingController {
  constructor(private readonly tracking: TrackingService) {}

  /** Records an interaction; with `data`, also caches the resource as `PUT` would. */
  @Post()
  @ApiCreatedResponse({ type: InteractionResponseDto })
  @ApiConflictResponse({
    description: 'A type new to a resource that has TRACKING_MAX_TYPES types; nothing changed.',
  })
  async record(@Body() body: TrackInteractionDto): Promise<InteractionResponseDto> {
    return toInteractionResponse(await this.tracking.record(body));
  }

  /** The most-interacted resources, highest total first; with `since`, within that window. */
  @Get()
  @ApiOkResponse({ type: [TopResourceResponseDto] })
  async top(@Query() { limit, since }: TopQueryDto): Promise<TopResourceResponseDto[]> {
    return (await this.tracking.top(limit, since)).map(toTopResourceResponse);
  }

  /** A resource's interactions per minute or hour, oldest first, zero-filled. */
  @Get(':resourceId/series')
  @ApiOkResponse({ type: InteractionSeriesResponseDto })
  async series(
    @Param() { resourceId }: InteractionParamsDto,
    @Query() query: SeriesQueryDto,
  ): Promise<InteractionSeriesResponseDto> {
    const { range, points } = await this.tracking.series(resourceId, query);
    return toSeriesResponse(resourceId, range, points);
  }

  /** Interaction counts of one resource. */
  @Get(':resourceId')
  @ApiOkResponse({ type: InteractionSummaryResponseDto })
  @ApiNotFoundResponse({ description: 'Never tracked.' })
  async summary(
    @Param() { resourceId }: InteractionParamsDto,
  ): Promise<InteractionSummaryResponseDto> {
    return toSummaryResponse(await this.tracking.summary(resourceId));
  }
}
