import { Module } from '@nestjs/common';
import { ResourcesModule } from '../resources/resources.module';
import { TrackingModule } from '../tracking/tracking.module';
import { SeedController } from './compat.controller';
import { SeedService } from './compat.service';

/** The original two routes, kept working exactly as they did. */
@Module({
  imports: [ResourcesModule, TrackingModule],
  controllers: [SeedController],
  providers: [SeedService],
})
export class SeedModule {}
