// @ts-check
/**
 * Packs Lapse as `npm pack` does and installs the tarball into an application
 * of its own, for checks that use Lapse the way another team would: from the
 * package, never from src/. Used by `scripts/pack-check.js`; an example app
 * can use it too:
 *
 *   const { packLapse, installPackedLapse } = require('../../scripts/pack');
 *   const tarball = packLapse(tmp);                  // builds dist/ first
 *   installPackedLapse(appDir, tarball);             // npm install, offline first
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Builds dist/ (unless `build: false`) and packs it into `destination`.
 * @param {string} destination a folder
 * @param {{ build?: boolean }} [options]
 * @returns {string} the tarball's path
 */
function packLapse(destination, { build = true } = {}) {
  if (build) run(process.execPath, [require.resolve('@nestjs/cli/bin/nest.js'), 'build'], ROOT);
  if (!existsSync(join(ROOT, 'dist', 'index.js')))
    throw new Error('dist/index.js is missing: build Lapse first (npm run build)');
  mkdirSync(destination, { recursive: true });
  const out = run(NPM, ['pack', '--json', '--pack-destination', destination], ROOT);
  const [{ filename }] = /** @type {{ filename: string }[]} */ (JSON.parse(out));
  return join(destination, filename);
}

/**
 * Installs `tarball` into `appDir` (made, with a package.json, if needed),
 * with Lapse's dependencies from npm's cache when it holds them all (as it
 * does after `npm ci` here), from the registry otherwise.
 * @param {string} appDir
 * @param {string} tarball
 * @param {{ dependencies?: Record<string, string> }} [options] more packages to install with it
 */
function installPackedLapse(appDir, tarball, { dependencies = {} } = {}) {
  mkdirSync(appDir, { recursive: true });
  if (!existsSync(join(appDir, 'package.json'))) {
    const manifest = { name: 'lapse-consumer', version: '0.0.0', private: true };
    writeFileSync(join(appDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
  const packages = [
    tarball,
    ...Object.entries(dependencies).map(([name, version]) => `${name}@${version}`),
  ];
  const args = ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...packages];
  try {
    run(NPM, [...args, '--offline'], appDir);
  } catch {
    process.stderr.write('npm cache incomplete: installing from the registry\n');
    run(NPM, args, appDir);
  }
}

/**
 * Runs a command in `cwd`; fails with its output when it fails.
 * @param {string} command
 * @param {string[]} args
 * @param {string} cwd
 * @returns {string} its standard output
 */
function run(command, args, cwd) {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout = '', stderr = '' } = /** @type {{ stdout?: string; stderr?: string }} */ (
      error
    );
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}\n${stdout}${stderr}`, {
      cause: error,
    });
  }
}

module.exports = { packLapse, installPackedLapse, run, ROOT };
