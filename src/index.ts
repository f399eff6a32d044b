/**
 * Lapse as a library: the public surface of the `lapse` package, and nothing
 * else. Every name here is a promise kept across minor versions; the list is
 * guarded by `public-api.spec.ts` and the types by `npm run api:check`.
 */

// Everything at once.
export { LapseModule } from './lapse.module';
export type { LapseModuleAsyncOptions, LapseModuleOptions } from './lapse.module';
export type { LapseConfig, LapseConfigOverrides } from './config/lapse.config';

// The parts. ResourcesModule and TrackingModule need the configuration and
// storage that LapseModule provides; CacheModule needs only a store.
export { CacheModule } from './cache/cache.module';
export type { CacheModuleOptions } from './cache/cache-module-options';
export { ResourcesModule } from './resources/resources.module';
export { TrackingModule } from './tracking/tracking.module';

// Services a host's own providers inject.
export { CacheService } from './cache/cache.service';
export type { CacheStats, WriteOptions, WriteResult } from './cache/cache.service';
export { TrackingService } from './tracking/tracking.service';
export type { Interaction, RecordedInteraction } from './tracking/tracking.service';

// The storage ports (each an interface and its injection token), what their
// methods take and give, and the in-memory adapters.
export { CacheStore, NO_NEAR_CACHE } from './cache/cache-store';
export type { CacheAccessCounter, CacheCounters, NearCacheActivity } from './cache/cache-store';
export type {
  CacheEntry,
  DeleteOutcome,
  ListedEntry,
  ListPage,
  ListQuery,
  Precondition,
  PurgeSelector,
  WriteOutcome,
} from './cache/cache-entry';
export { DEFAULT_INTERACTION_TYPE, TrackingStore } from './tracking/tracking-store';
export type {
  InteractionSummary,
  SeriesPoint,
  TopResource,
  TypeBound,
} from './tracking/tracking-store';
export type { BucketInterval, BucketRange, BucketRetention } from './time-series/time-buckets';
export { MemoryCacheStore } from './cache/stores/memory-cache.store';
export type { MemoryCacheStoreOptions } from './cache/stores/memory-cache.store';
export { MemoryTrackingStore } from './tracking/stores/memory-tracking.store';
export type { MemoryTrackingStoreOptions } from './tracking/stores/memory-tracking.store';

// The DTOs of the HTTP API.
export {
  MgetResourcesDto,
  MgetResponseDto,
  MsetItemDto,
  MsetResourcesDto,
  MsetResponseDto,
} from './resources/dto/bulk.dto';
export { FetchQueryDto } from './resources/dto/fetch-query.dto';
export { ListResourcesQueryDto, PurgeResourcesQueryDto } from './resources/dto/list-resources.dto';
export { PutResourceDto } from './resources/dto/put-resource.dto';
export {
  PurgeResponseDto,
  ResourcePageDto,
  ResourceSummaryDto,
} from './resources/dto/resource-page.dto';
export { ResourceParamsDto } from './resources/dto/resource-params.dto';
export { ResourceResponseDto } from './resources/dto/resource-response.dto';
export { TouchResourceDto } from './resources/dto/touch-resource.dto';
export { InteractionParamsDto } from './tracking/dto/interaction-params.dto';
export {
  InteractionPointDto,
  InteractionResponseDto,
  InteractionSeriesResponseDto,
  InteractionSummaryResponseDto,
  TopResourceResponseDto,
} from './tracking/dto/interaction-response.dto';
export { TopQueryDto } from './tracking/dto/top-query.dto';
export { TrackInteractionDto } from './tracking/dto/track-interaction.dto';
export {
  ActivityPointDto,
  NearCacheStatsDto,
  OriginStatsDto,
  StatsResponseDto,
  StatsSeriesResponseDto,
} from './stats/dto/stats-response.dto';
export { SeriesQueryDto } from './time-series/dto/series-query.dto';
export { SeriesRangeDto } from './time-series/dto/series-range.dto';

// Errors.
export { StoreUnavailableError } from './common/store-unavailable.error';
export { StoreUnavailableFilter } from './http/all-exceptions.filter';
