import { Module } from '@nestjs/common';
import { HttpCacheHeaders } from './http-cache-headers';
import { ResourcesController } from './resources.controller';
import { ResourcesService } from './resources.service';

/**
 * The REST API over cached resources. Needs `CacheService` from a global or
 * imported `CacheModule` and `ConfigService` from the config module.
 */
@Module({
  controllers: [ResourcesController],
  providers: [ResourcesService, HttpCacheHeaders],
  exports: [ResourcesService, HttpCacheHeaders],
})
export class ResourcesModule {}
