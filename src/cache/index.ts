export * from './cache-entry';
export * from './cache-module-options';
export * from './cache-store';
export * from './cache.module';
export * from './cache.service';
