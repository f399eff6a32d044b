// @ts-check
/**
 * Writes the typed client's types, clients/typescript/src/schema.ts, from
 * openapi.json with openapi-typescript (pinned in tools/openapi-lint, which is
 * installed first when missing), formatted by the repo's Prettier so that
 * `npm run lint` passes on it: `npm run client`.
 *
 *   --check   fail, saying so, when schema.ts is not what openapi.json gives
 *
 * It reads openapi.json as committed: after an API change, `npm run openapi`
 * first.
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync, readFileSync, writeFileSync } = require('node:fs');
const { join, relative } = require('node:path');
const prettier = require('prettier');

const ROOT = join(__dirname, '..');
const DOCUMENT = join(ROOT, 'openapi.json');
const SCHEMA = join(ROOT, 'clients', 'typescript', 'src', 'schema.ts');
const TOOLS = join(ROOT, 'tools', 'openapi-lint');

const HEADER = `/**
 * Generated from openapi.json by openapi-typescript: do not edit. Regenerate
 * with \`npm run client\` (after \`npm run openapi\` when the API changed);
 * \`npm run client:check\` fails when this file is stale.
 */

`;

/** @param {string[]} args */
function parse(args) {
  const check = args.includes('--check');
  const unknown = args.filter((arg) => arg !== '--check');
  if (unknown.length > 0) {
    throw new Error(
      `unknown argument ${JSON.stringify(unknown[0])}: see the head of scripts/client.js`,
    );
  }
  return { check };
}

/** schema.ts as openapi.json gives it. */
async function generate() {
  if (!existsSync(join(TOOLS, 'node_modules', 'openapi-typescript'))) {
    console.log('Installing openapi-typescript (npm ci in tools/openapi-lint)...');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', TOOLS], { stdio: 'inherit' });
  }
  /** @type {typeof import('../tools/openapi-lint/node_modules/openapi-typescript')} */
  const { default: openapiTS, astToString } = require(
    require.resolve('openapi-typescript', { paths: [TOOLS] }),
  );
  const document = JSON.parse(readFileSync(DOCUMENT, 'utf8'));
  const source = HEADER + astToString(await openapiTS(document));
  const options = await prettier.resolveConfig(SCHEMA);
  return prettier.format(source, { ...options, filepath: SCHEMA });
}

async function main() {
  const { check } = parse(process.argv.slice(2));
  const schema = await generate();
  const name = relative(process.cwd(), SCHEMA);
  if (!check) {
    writeFileSync(SCHEMA, schema);
    console.log(`Wrote ${name}`);
    return;
  }
  const committed = existsSync(SCHEMA) ? readFileSync(SCHEMA, 'utf8') : undefined;
  if (committed === schema) {
    console.log(`${name} is up to date with openapi.json`);
    return;
  }
  console.error(
    `${name} is ${committed === undefined ? 'missing' : 'stale'}: it is not what openapi-typescript ` +
      'makes of openapi.json. Run `npm run client` and commit the result.',
  );
  process.exitCode = 1;
}

main().catch((/** @type {unknown} */ error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
