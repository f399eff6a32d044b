import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { SeriesQueryDto } from '../time-series/dto/series-query.dto';
import {
  StatsResponseDto,
  StatsSeriesResponseDto,
  toStatsResponse,
  toStatsSeriesResponse,
} from './dto/stats-response.dto';
import { StatsService } from './stats.service';

@ApiTags('stats')
@Controller('stats')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  /** Cache hits and misses, writes, expiry, eviction and interaction counts. */
  @Get()
  @ApiOkResponse({ type: StatsResponseDto })
  async get(): Promise<StatsResponseDto> {
    return toStatsResponse(await this.stats.snapshot());
  }

  /** Hits, misses, writes, deletes, expiries, evictions and interactions per minute or hour. */
  @Get('series')
  @ApiOkResponse({ type: StatsSeriesResponseDto })
  async series(@Query() query: SeriesQueryDto): Promise<StatsSeriesResponseDto> {
    const { range, points } = await this.stats.series(query);
    return toStatsSeriesResponse(range, points);
  }
}
