/**
 * The platform floor: Lapse's whole bootstrap (adapter, helmet, request logs,
 * metrics, API-key and rate-limit guards, validation pipe, exception filter)
 * with one more trivial controller answering from a `Map` under `/floor`.
 * Lapse minus this is the cost of the cache itself; this minus the bare Nest
 * floor is the cost of the operational features every request goes through.
 * Usage: node platform-floor.js (configured by the same environment as Lapse)
 */
import 'reflect-metadata';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Module,
  NotFoundException,
  Param,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';
import { readProcessEnvironment } from '../../src/config/environment';
import { loadConfig } from '../../src/config/lapse.config';
import { createHttpAdapter } from '../../src/http/http-adapter';
import { AppLogger } from '../../src/logging/app-logger';
import { FloorInteractionDto, FloorPutDto } from './floor-dtos';

@Controller('floor')
class PlatformFloorController {
  private readonly entries = new Map<string, { id: string; data: unknown }>();
  private readonly interactions = new Map<string, number>();

  @Get('resources/:id')
  get(@Param('id') id: string) {
    const entry = this.entries.get(id);
    if (!entry) throw new NotFoundException();
    return entry;
  }

  @Get('get_cached_resource')
  seed(@Query('id') id: string) {
    return { status: 'success', data: this.entries.get(id)?.data };
  }

  @Put('resources/:id')
  put(@Param('id') id: string, @Body() body: FloorPutDto) {
    const entry = { id, data: body.data };
    this.entries.set(id, entry);
    return entry;
  }

  @Post('interactions')
  @HttpCode(201)
  track(@Body() body: FloorInteractionDto) {
    const total = (this.interactions.get(body.resourceId) ?? 0) + 1;
    this.interactions.set(body.resourceId, total);
    return { resourceId: body.resourceId, total };
  }
}

async function main(): Promise<void> {
  const config = loadConfig(readProcessEnvironment());
  @Module({ imports: [AppModule.forRoot(config)], controllers: [PlatformFloorController] })
  class PlatformFloorModule {}
  const app = await NestFactory.create(PlatformFloorModule, await createHttpAdapter(config), {
    bodyParser: false,
    bufferLogs: true,
  });
  app.useLogger(app.get(AppLogger));
  configureApp(app, config);
  // Exits normally on SIGTERM, so `node --cpu-prof` writes its profile.
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen(config.http.port, config.http.host);
}

void main();
