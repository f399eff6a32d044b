import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { StatsResponseDto, toStatsResponse } from './stats-response.dto';
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
}
