import { Module } from '@nestjs/common';
import { OriginCounters } from './origin-counters';
import { OriginFetcher } from './origin-fetcher';
import { ReadThroughService } from './read-through.service';

/**
 * Read-through from allowed origins (ORIGINS). Needs `CacheService` from a
 * global or imported `CacheModule` and `LapseConfigService` from the config module.
 */
@Module({
  providers: [OriginFetcher, ReadThroughService, OriginCounters],
  exports: [ReadThroughService, OriginCounters],
})
export class OriginModule {}
