import { Module } from '@nestjs/common';
import { OriginModule } from '../origin/origin.module';
import { FetchController } from './fetch.controller';
import { HttpCacheHeaders } from './http-cache-headers';
import { ResourcesController } from './resources.controller';
import { ResourcesService } from './resources.service';

/**
 * The REST API over cached resources. Needs `CacheService` from a global or
 * imported `CacheModule` and `LapseConfigService` from the config module; reads through
 * to allowed origins with `OriginModule`.
 */
@Module({
  imports: [OriginModule],
  controllers: [ResourcesController, FetchController],
  providers: [ResourcesService, HttpCacheHeaders],
  exports: [ResourcesService, HttpCacheHeaders],
})
export class ResourcesModule {}
