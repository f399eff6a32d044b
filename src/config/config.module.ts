import type { DynamicModule } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import type { LapseConfig } from './lapse.config';

/**
 * Makes an already validated {@link LapseConfig} available to every module
 * through `ConfigService<LapseConfig, true>`. Validation happens before the
 * application is created, so a bad variable stops start-up with a clear message.
 */
@Module({})
export class LapseConfigModule {
  static forRoot(config: LapseConfig): DynamicModule {
    return {
      module: LapseConfigModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => config],
        }),
      ],
    };
  }
}
