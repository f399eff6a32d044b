import { Module } from '@nestjs/common';
import { ResourcesModule } from '../resources/resources.module';
import { TrackingModule } from '../tracking/tracking.module';
import { SeedController } from './seed.controller';
import { SeedService } from './seed.service';

/** The original two routes, kept working exactly as they did. */
@Module({
  imports: [ResourcesModule, TrackingModule],
  controllers: [SeedController],
  providers: [SeedService],
})
export class SeedModule {}
