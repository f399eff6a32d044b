import type { DynamicModule, InjectionToken, ModuleMetadata } from '@nestjs/common';
import { Module } from '@nestjs/common';
import type { LapseConfig } from './lapse.config';
import { LapseConfigService } from './lapse-config.service';

/** A {@link LapseConfig} made by a factory, with what it injects. */
export interface LapseConfigAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  useFactory: (...deps: never[]) => LapseConfig | Promise<LapseConfig>;
}

/**
 * Makes a validated {@link LapseConfig} available to every module through
 * {@link LapseConfigService}. The standalone server validates it before the
 * application is created, so a bad variable stops start-up with a clear message.
 */
@Module({})
export class LapseConfigModule {
  static forRoot(config: LapseConfig): DynamicModule {
    return LapseConfigModule.forRootAsync({ useFactory: () => config });
  }

  static forRootAsync(options: LapseConfigAsyncOptions): DynamicModule {
    return {
      module: LapseConfigModule,
      global: true,
      imports: options.imports ?? [],
      providers: [
        {
          provide: LapseConfigService,
          inject: options.inject ?? [],
          useFactory: async (...deps: never[]) =>
            new LapseConfigService(await options.useFactory(...deps)),
        },
      ],
      exports: [LapseConfigService],
    };
  }
}
