/**
 * The framework floor: the same Nest bootstrap as Lapse (adapter, body
 * parsing, a ValidationPipe on bodies) with one trivial controller answering
 * from a `Map`. What Lapse costs beyond this is Lapse's own work.
 * Usage: node floor.js <port> <express|fastify> [logs]
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
  ValidationPipe,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { FloorInteractionDto as InteractionDto, FloorPutDto as PutDto } from './floor-dtos';

const validated = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
});

@Controller()
class FloorController {
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
  put(@Param('id') id: string, @Body(validated) body: PutDto) {
    const entry = { id, data: body.data };
    this.entries.set(id, entry);
    return entry;
  }

  @Post('interactions')
  @HttpCode(201)
  track(@Body(validated) body: InteractionDto) {
    const total = (this.interactions.get(body.resourceId) ?? 0) + 1;
    this.interactions.set(body.resourceId, total);
    return { resourceId: body.resourceId, total };
  }
}

@Module({ controllers: [FloorController] })
class FloorModule {}

async function main(): Promise<void> {
  const [port, adapter, logs] = process.argv.slice(2);
  // `logs`: Fastify's default request logging (pino, two lines per request, to stdout).
  const app = await NestFactory.create(
    FloorModule,
    adapter === 'fastify' ? new FastifyAdapter({ logger: logs === 'logs' }) : new ExpressAdapter(),
    { logger: false },
  );
  // Exits normally on SIGTERM, so `node --cpu-prof` writes its profile.
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
  await app.listen(Number(port), '127.0.0.1');
}

void main();
