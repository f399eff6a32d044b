import { Controller, Get, HttpStatus, Query, UseFilters, UsePipes } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponse, ApiStoreUnavailableResponse } from '../http/error-response';
import { SeriesQueryDto } from '../time-series/dto/series-query.dto';
import {
  StatsResponseDto,
  StatsSeriesResponseDto,
  toStatsResponse,
  toStatsSeriesResponse,
} from './dto/stats-response.dto';
import { StatsService } from './stats.service';
import { JsonValidationPipe } from '../validation/json-validation.pipe';
import { StoreUnavailableFilter } from '../http/all-exceptions.filter';

@ApiTags('stats')
@ApiStoreUnavailableResponse()
@UsePipes(JsonValidationPipe)
@UseFilters(StoreUnavailableFilter)
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  /**
   * Read the counters
   *
   * @remarks Cache hits and misses, writes, deletes, expiries, evictions, live
   * entries and interactions, with the default TTL and the uptime; under
   * `origin`, read-through's origin requests as this instance counted them.
   */
  @Get()
  @ApiOkResponse({ type: StatsResponseDto })
  async get(): Promise<StatsResponseDto> {
    return toStatsResponse(await this.stats.snapshot());
  }

  /**
   * Read the counters over time
   *
   * @remarks Hits, misses, writes, deletes, expiries, evictions and
   * interactions per minute or hour (`interval`) from `from` to `to`, oldest
   * first, with zeros where there were none.
   */
  @Get('series')
  @ApiOkResponse({ type: StatsSeriesResponseDto })
  @ApiErrorResponse(HttpStatus.BAD_REQUEST, 'Invalid query; the message names the field.', [
    'interval must be one of the following values: minute, hour',
  ])
  async series(@Query() query: SeriesQueryDto): Promise<StatsSeriesResponseDto> {
    const { range, points } = await this.stats.series(query);
    return toStatsSeriesResponse(range, points);
  }
}
