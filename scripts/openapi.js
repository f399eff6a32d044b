// @ts-check
/**
 * Writes the OpenAPI document of the built app (dist/, default configuration)
 * to openapi.json at the repository root: `npm run openapi`.
 *
 *   --check        fail, saying so, when openapi.json is not that document
 *   --out FILE     write FILE instead
 *   NAME=VALUE     environment variables of another configuration (e.g.
 *                  `--out keys.json API_KEYS=key AUTH_READS=true`); the
 *                  process environment is never read
 */
'use strict';
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const ROOT = join(__dirname, '..');
const COMMITTED = join(ROOT, 'openapi.json');
const BUILT = join(ROOT, 'dist', 'app.openapi.js');

/** @param {string[]} args */
function parse(args) {
  const options = { check: false, out: COMMITTED, env: /** @type {Record<string, string>} */ ({}) };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const variable = /^([A-Z][A-Z0-9_]*)=(.*)$/s.exec(arg);
    if (arg === '--check') options.check = true;
    else if (arg === '--out' && i + 1 < args.length) options.out = resolve(args[++i]);
    else if (variable) options.env[variable[1]] = variable[2];
    else
      throw new Error(
        `unknown argument ${JSON.stringify(arg)}: see the head of scripts/openapi.js`,
      );
  }
  if (options.check && (options.out !== COMMITTED || Object.keys(options.env).length > 0)) {
    throw new Error('--check compares openapi.json with the default configuration only');
  }
  return options;
}

async function main() {
  const { check, out, env } = parse(process.argv.slice(2));
  if (!existsSync(BUILT)) throw new Error('dist/ has no build: run `npm run build` first');
  /** @type {typeof import('../src/app.openapi')} */
  const { openApiDocumentFor, openApiJson } = require(BUILT);
  const json = openApiJson(await openApiDocumentFor(env));
  const name = relative(process.cwd(), out) || out;
  if (!check) {
    writeFileSync(out, json);
    console.log(`Wrote ${name}`);
    return;
  }
  const committed = existsSync(out) ? readFileSync(out, 'utf8') : undefined;
  if (committed === json) {
    console.log(`${name} is up to date`);
    return;
  }
  console.error(
    `${name} is ${committed === undefined ? 'missing' : 'stale'}: it is not the document the app ` +
      'serves at /docs-json. Run `npm run openapi` and commit the result.',
  );
  process.exitCode = 1;
}

main().catch((/** @type {unknown} */ error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
