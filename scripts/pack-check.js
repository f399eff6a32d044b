// @ts-check
/**
 * Checks that the packed Lapse works in an application of its own:
 * `npm run pack:check`. Packs Lapse, installs the tarball into a fresh app in
 * a temporary folder, type-checks and compiles a file that uses it from
 * 'lapse' (strict, with Node's own package resolution, so the `exports`
 * types are the ones read), checks that Lapse uses the app's own Nest (a
 * peer dependency, never a copy of its own), then runs the file: a Nest app
 * importing LapseModule writes and reads an entry through CacheService.
 *
 *   --skip-build   pack the dist/ already built
 *   --keep         leave the temporary folder, and say where it is
 */
'use strict';
const { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { installPackedLapse, packLapse, run, ROOT } = require('./pack');

/** A host app's file, using only the package's public surface. */
const CONSUMER = `import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CacheService, LapseModule, MemoryCacheStore } from 'lapse';
import type { CacheStore, LapseModuleOptions } from 'lapse';

const cacheStore: CacheStore = new MemoryCacheStore({ maxEntries: 10, sweepIntervalMs: 1000 });
const options: LapseModuleOptions = { path: 'cache', cacheStore, config: { cache: { defaultTtl: 60 } } };

@Module({ imports: [LapseModule.forRoot(options)] })
class HostModule {}

async function main(): Promise<void> {
  const app = await NestFactory.create(HostModule, { logger: false });
  await app.init();
  const cache = app.get(CacheService);
  await cache.set('greeting', { text: 'hello' }, { ttlMs: 60_000 });
  const entry = await cache.get<{ text: string }>('greeting');
  await app.close();
  if (entry?.value.text !== 'hello') throw new Error('CacheService did not give back the entry');
  process.stdout.write('packed lapse: ok\\n');
}

void main().catch((error: unknown) => {
  process.stderr.write(String(error instanceof Error ? error.stack : error) + '\\n');
  process.exit(1);
});
`;

const TSCONFIG = {
  compilerOptions: {
    module: 'node16',
    moduleResolution: 'node16',
    target: 'ES2023',
    strict: true,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    outDir: 'dist',
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
  },
  files: ['main.ts'],
};

/** @param {boolean} condition @param {string} message */
function expect(condition, message) {
  if (!condition) throw new Error(`pack check: ${message}`);
}

function main() {
  const args = process.argv.slice(2);
  const work = mkdtempSync(join(tmpdir(), 'lapse-pack-'));
  try {
    const tarball = packLapse(work, { build: !args.includes('--skip-build') });
    const app = join(work, 'app');
    mkdirSync(app);
    installPackedLapse(app, tarball);
    writeFileSync(join(app, 'main.ts'), CONSUMER);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);

    const probe = (/** @type {string} */ code) => run(process.execPath, ['-e', code], app).trim();
    expect(
      probe("process.stdout.write(typeof require('lapse').LapseModule)") === 'function',
      "require('lapse').LapseModule is not a class",
    );
    expect(
      probe(
        "try { require('lapse/dist/app.module'); process.stdout.write('open') } catch (e) { process.stdout.write(e.code) }",
      ) === 'ERR_PACKAGE_PATH_NOT_EXPORTED',
      "a file that is not exported can be required ('lapse/dist/app.module')",
    );
    // Nest is a peer: Lapse uses the host's copy, so their classes and tokens are the same.
    for (const peer of ['@nestjs/common', '@nestjs/core']) {
      const fromLapse = probe(
        `process.stdout.write(require.resolve('${peer}', { paths: [require('path').dirname(require.resolve('lapse'))] }))`,
      );
      expect(
        fromLapse === probe(`process.stdout.write(require.resolve('${peer}'))`),
        `Lapse resolves its own copy of ${peer}: ${fromLapse}`,
      );
    }
    if (existsSync(join(ROOT, 'dist', 'testing', 'index.js'))) {
      expect(
        probe("process.stdout.write(require.resolve('lapse/testing'))").endsWith(
          join('dist', 'testing', 'index.js'),
        ),
        "'lapse/testing' does not resolve to dist/testing/index.js",
      );
    }
    const output = run(process.execPath, [join('dist', 'main.js')], app);
    expect(output.includes('packed lapse: ok'), `the app did not run: ${output}`);
    process.stdout.write(`${tarball.split(/[\\/]/).pop()}: installs, compiles and runs\n`);
  } finally {
    if (args.includes('--keep')) process.stdout.write(`kept ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main();
