import type { LapseConfig } from './lapse.config';

/**
 * Lapse's validated settings, read one group at a time. Lapse's own class
 * rather than `@nestjs/config`'s `ConfigService`, so that an application
 * embedding Lapse keeps its `ConfigService` to itself: the two never share
 * (or overwrite) keys.
 */
export class LapseConfigService {
  constructor(private readonly config: LapseConfig) {}

  /** One group of settings, e.g. `get('cache').defaultTtl`. */
  get<K extends keyof LapseConfig>(key: K): LapseConfig[K] {
    return this.config[key];
  }
}
