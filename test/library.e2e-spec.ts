import {
  Body,
  Controller,
  Get,
  Inject,
  Injectable,
  Module,
  Param,
  Post,
  type CallHandler,
  type CanActivate,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD, APP_INTERCEPTOR, HttpAdapterHost } from '@nestjs/core';
import type { Observable } from 'rxjs';
import { randomUUID } from 'node:crypto';
import {
  CacheModule,
  CacheService,
  CacheStore,
  LapseModule,
  MemoryCacheStore,
  MemoryTrackingStore,
  StoreUnavailableError,
  TrackingService,
  TrackingStore,
} from '../src';
import { useHostApps } from './helpers/host-app';
import { testRedisUrl } from './helpers/stores';

/** A host's own body type, with no validation decorators at all. */
class HostNote {
  text?: unknown;
  extra?: unknown;
}

@Controller('notes')
class HostNotesController {
  @Post()
  echo(@Body() note: HostNote): HostNote {
    return note;
  }
}

/** A host controller answering from Lapse's cache, as a team's own feature would. */
@Controller('greetings')
class GreetingsController {
  constructor(
    private readonly cache: CacheService,
    private readonly tracking: TrackingService,
  ) {}

  @Get(':name')
  async greet(@Param('name') name: string): Promise<{ text: string; cached: boolean }> {
    const key = `greeting:${name}`;
    await this.tracking.record({ resourceId: key });
    const hit = await this.cache.get<string>(key);
    if (hit) return { text: hit.value, cached: true };
    const entry = await this.cache.set(key, `Hello, ${name}`, { ttlMs: 60_000 });
    return { text: entry.value, cached: false };
  }
}

/** A feature module of the host, which does not import LapseModule itself. */
@Module({ controllers: [GreetingsController] })
class GreetingsModule {}

/** A host store whose backend has gone away. */
class UnreachableCacheStore extends MemoryCacheStore {
  override readCounted(): Promise<never> {
    return Promise.reject(new StoreUnavailableError('The host store is down'));
  }
}

const HOST_CACHE_STORE = Symbol('HostCacheStore');
const HOST_TRACKING_STORE = Symbol('HostTrackingStore');

/** The host's own storage module, providing the adapters Lapse is handed. */
@Module({
  providers: [
    {
      provide: HOST_CACHE_STORE,
      useFactory: () => new MemoryCacheStore({ maxEntries: 100, sweepIntervalMs: 1000 }),
    },
    {
      provide: HOST_TRACKING_STORE,
      useFactory: () => new MemoryTrackingStore({ maxResources: 100 }),
    },
  ],
  exports: [HOST_CACHE_STORE, HOST_TRACKING_STORE],
})
class HostStorageModule {}

/** Lets through only requests of the blue team, as a host's global guard would. */
@Injectable()
class TeamGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    return request.headers['x-team'] === 'blue';
  }
}

/** Marks every answer it sees, as a host's global interceptor would. */
@Injectable()
class SeenInterceptor implements NestInterceptor {
  constructor(@Inject(HttpAdapterHost) private readonly adapterHost: HttpAdapterHost) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const response: unknown = context.switchToHttp().getResponse();
    this.adapterHost.httpAdapter.setHeader(response, 'x-seen-by-host', 'yes');
    return next.handle();
  }
}

describe('Lapse inside a host application', () => {
  const hostApp = useHostApps();

  it("serves Lapse's routes with Lapse's validation, and leaves the host's routes to the host", async () => {
    const { http } = await hostApp({
      imports: [LapseModule.forRoot()],
      controllers: [HostNotesController],
    });

    await http()
      .put('/resources/greeting')
      .send({ data: { text: 'hello' } })
      .expect(201);
    const read = await http().get('/resources/greeting').expect(200);
    expect(read.body).toMatchObject({ id: 'greeting', data: { text: 'hello' }, ttl: 300 });
    const refused = await http()
      .put('/resources/other')
      .send({ data: 1, unknown: true })
      .expect(400);
    expect(JSON.stringify(refused.body)).toContain('unknown');
    await http().put('/resources/other').send({ data: 1, ttl: 'soon' }).expect(400);
    // Lapse's whitelisting pipe would refuse `extra`, or strip it.
    const echoed = await http().post('/notes').send({ text: 'mine', extra: 2 }).expect(201);
    expect(echoed.body).toStrictEqual({ text: 'mine', extra: 2 });
  });

  it('keeps entries and interactions in stores the host provides', async () => {
    const { app, http } = await hostApp({
      imports: [
        LapseModule.forRootAsync({
          imports: [HostStorageModule],
          inject: [HOST_CACHE_STORE, HOST_TRACKING_STORE],
          useFactory: (cacheStore: CacheStore, trackingStore: TrackingStore) => ({
            cacheStore,
            trackingStore,
          }),
        }),
      ],
    });
    const cacheStore = app.get<CacheStore>(HOST_CACHE_STORE);
    const trackingStore = app.get<TrackingStore>(HOST_TRACKING_STORE);

    expect(app.get(CacheStore)).toBe(cacheStore);
    expect(app.get(TrackingStore)).toBe(trackingStore);
    await http().put('/resources/a').send({ data: 'A' }).expect(201);
    await http().put('/resources/b').send({ data: 'B' }).expect(201);
    await http().post('/interactions').send({ resourceId: 'a' }).expect(201);
    expect(await cacheStore.countEntries()).toBe(2);
    expect((await cacheStore.readCounted('a'))?.value).toBe('A');
    expect(await trackingStore.countInteractions()).toBe(1);
    expect(await trackingStore.summary('a')).toMatchObject({ total: 1, byType: { view: 1 } });
  });

  it("answers 503 when the host's store is unreachable, with no filter of the host's", async () => {
    const cacheStore = new UnreachableCacheStore({ maxEntries: 10, sweepIntervalMs: 1000 });
    const { http } = await hostApp({ imports: [LapseModule.forRoot({ cacheStore })] });

    const read = await http().get('/resources/a').expect(503);
    expect(read.body).toMatchObject({ statusCode: 503, message: 'The host store is down' });
  });

  it('mounts every Lapse route under the prefix it is given, and nowhere else', async () => {
    const { http } = await hostApp({ imports: [LapseModule.forRoot({ path: 'cache' })] });

    await http().put('/cache/resources/a').send({ data: 'A' }).expect(201);
    expect((await http().get('/cache/resources/a').expect(200)).body.data).toBe('A');
    await http().post('/cache/interactions').send({ resourceId: 'a' }).expect(201);
    expect((await http().get('/cache/interactions/a').expect(200)).body.total).toBe(1);
    await http().get('/cache/stats').expect(200);
    await http().get('/resources/a').expect(404);
    await http().get('/stats').expect(404);
  });

  it("applies the host's global guards and interceptors to Lapse's routes", async () => {
    const { http } = await hostApp({
      imports: [LapseModule.forRoot()],
      providers: [
        { provide: APP_GUARD, useClass: TeamGuard },
        { provide: APP_INTERCEPTOR, useClass: SeenInterceptor },
      ],
    });

    await http().put('/resources/a').send({ data: 'A' }).expect(403);
    await http().get('/stats').set('x-team', 'red').expect(403);
    await http().put('/resources/a').set('x-team', 'blue').send({ data: 'A' }).expect(201);
    const read = await http().get('/resources/a').set('x-team', 'blue').expect(200);
    expect(read.headers['x-seen-by-host']).toBe('yes');
    expect(read.body.data).toBe('A');
  });

  it("takes its settings from the host's ConfigService, and leaves that ConfigService as it was", async () => {
    const { app, http } = await hostApp({
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          load: [() => ({ lapse: { ttlSeconds: 42 } })],
        }),
        LapseModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService) => ({
            config: { cache: { defaultTtl: config.getOrThrow<number>('lapse.ttlSeconds') } },
          }),
        }),
      ],
    });

    const written = await http().put('/resources/a').send({ data: 'A' }).expect(201);
    expect(written.body.ttl).toBe(42);
    const config = app.get(ConfigService);
    expect(config.get('cache')).toBeUndefined();
    expect(config.get('store')).toBeUndefined();
  });

  it("lets the host's feature modules inject CacheService and TrackingService", async () => {
    const { http } = await hostApp({ imports: [LapseModule.forRoot(), GreetingsModule] });

    const first = await http().get('/greetings/ada').expect(200);
    expect(first.body).toStrictEqual({ text: 'Hello, ada', cached: false });
    const second = await http().get('/greetings/ada').expect(200);
    expect(second.body).toStrictEqual({ text: 'Hello, ada', cached: true });
    const tracked = await http().get('/interactions/greeting:ada').expect(200);
    expect(tracked.body.total).toBe(2);
  });

  it('gives a host the cache alone, over the store it chooses, without any route', async () => {
    const store = new MemoryCacheStore({ maxEntries: 10, sweepIntervalMs: 1000 });
    const { app, http } = await hostApp({
      imports: [CacheModule.forRoot({ isGlobal: true, store })],
    });

    const cache = app.get(CacheService);
    await cache.set('a', 'A', { ttlMs: 60_000 });
    expect((await cache.get('a'))?.value).toBe('A');
    expect(await store.countEntries()).toBe(1);
    await http().get('/resources/a').expect(404);
  });

  (testRedisUrl ? it : it.skip)('keeps its entries in Redis when its settings say so', async () => {
    const namespace = `library-${randomUUID().slice(0, 8)}`;
    const redis = { kind: 'redis' as const, redisUrl: testRedisUrl ?? '', namespace };
    const first = await hostApp({ imports: [LapseModule.forRoot({ config: { store: redis } })] });
    const second = await hostApp({ imports: [LapseModule.forRoot({ config: { store: redis } })] });

    expect(first.app.get<CacheStore>(CacheStore).name).toBe('redis');
    await first.http().put('/resources/shared').send({ data: 'S' }).expect(201);
    expect((await second.http().get('/resources/shared').expect(200)).body.data).toBe('S');
  });
});
