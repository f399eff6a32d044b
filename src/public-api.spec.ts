import { existsSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';

/**
 * The names the package exports, values and types alike, as a consumer's
 * compiler sees them. A change to these lists is a change to Lapse's public
 * API: deliberate, in the CHANGELOG, and in `api/` (`npm run api:check`).
 */
const PUBLIC_API = {
  'index.ts': {
    values: [
      'ActivityPointDto',
      'CacheModule',
      'CacheService',
      'CacheStore',
      'DEFAULT_INTERACTION_TYPE',
      'FetchQueryDto',
      'InteractionParamsDto',
      'InteractionPointDto',
      'InteractionResponseDto',
      'InteractionSeriesResponseDto',
      'InteractionSummaryResponseDto',
      'LapseModule',
      'ListResourcesQueryDto',
      'MemoryCacheStore',
      'MemoryTrackingStore',
      'MgetResourcesDto',
      'MgetResponseDto',
      'MsetItemDto',
      'MsetResourcesDto',
      'MsetResponseDto',
      'NO_NEAR_CACHE',
      'NearCacheStatsDto',
      'OriginStatsDto',
      'PurgeResourcesQueryDto',
      'PurgeResponseDto',
      'PutResourceDto',
      'ResourcePageDto',
      'ResourceParamsDto',
      'ResourceResponseDto',
      'ResourceSummaryDto',
      'ResourcesModule',
      'SeriesQueryDto',
      'SeriesRangeDto',
      'StatsResponseDto',
      'StatsSeriesResponseDto',
      'StoreUnavailableError',
      'StoreUnavailableFilter',
      'TopQueryDto',
      'TopResourceResponseDto',
      'TouchResourceDto',
      'TrackInteractionDto',
      'TrackingModule',
      'TrackingService',
      'TrackingStore',
    ],
    typesOnly: [
      'BucketInterval',
      'BucketRange',
      'BucketRetention',
      'CacheAccessCounter',
      'CacheCounters',
      'CacheEntry',
      'CacheModuleOptions',
      'CacheStats',
      'DeleteOutcome',
      'Interaction',
      'InteractionSummary',
      'LapseConfig',
      'LapseConfigOverrides',
      'LapseModuleAsyncOptions',
      'LapseModuleOptions',
      'ListPage',
      'ListQuery',
      'ListedEntry',
      'MemoryCacheStoreOptions',
      'MemoryTrackingStoreOptions',
      'NearCacheActivity',
      'Precondition',
      'PurgeSelector',
      'RecordedInteraction',
      'SeriesPoint',
      'TopResource',
      'TypeBound',
      'WriteOptions',
      'WriteOutcome',
      'WriteResult',
    ],
  },
  'testing/index.ts': {
    values: ['describeCacheStoreContract', 'describeTrackingStoreContract'],
    typesOnly: [
      'CacheStoreContractOptions',
      'TrackingStoreContractOptions',
      'TrackingStoreSettings',
    ],
  },
};

/** Every name `file` exports, as the type checker lists them. */
function exportedNames(file: string): string[] {
  const program = ts.createProgram([file], {
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    target: ts.ScriptTarget.ES2023,
    experimentalDecorators: true,
    skipLibCheck: true,
    noEmit: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(file);
  const module = source && checker.getSymbolAtLocation(source);
  if (!module) throw new Error(`${file} is not a module`);
  return checker
    .getExportsOfModule(module)
    .map((symbol) => symbol.name)
    .sort();
}

const entryPoints = Object.entries(PUBLIC_API).map(([file, api]) => ({
  file,
  path: join(__dirname, file),
  ...api,
}));

describe('public API', () => {
  describe.each(entryPoints.filter(({ path }) => existsSync(path)))(
    '$file',
    ({ path, values, typesOnly }) => {
      it('exports exactly the names listed here, values and types', () => {
        expect(exportedNames(path)).toStrictEqual([...values, ...typesOnly].sort());
      });

      it('exports the listed values at run time, and nothing else', () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const runtime = require(path) as Record<string, unknown>;
        expect(Object.keys(runtime).sort()).toStrictEqual([...values].sort());
        for (const name of values) expect(runtime[name]).toBeDefined();
      });
    },
  );

  it('lists each name once, in one list', () => {
    for (const { values, typesOnly } of entryPoints) {
      const all = [...values, ...typesOnly];
      expect(new Set(all).size).toBe(all.length);
    }
  });
});
