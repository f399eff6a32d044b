// @ts-check
/**
 * Lints OpenAPI documents with Redocly (recommended rules, redocly.yaml) and
 * Spectral (spectral:oas, .spectral.yaml); fails on any error or warning of
 * either. Installs this folder first when its node_modules is missing.
 *
 *   node tools/openapi-lint/lint.js openapi.json [more.json...]
 */
'use strict';
const { execFileSync } = require('node:child_process');
const { existsSync } = require('node:fs');
const { join, relative, resolve } = require('node:path');

const HERE = __dirname;
const BIN = join(HERE, 'node_modules', '.bin');
// No telemetry nor update checks: the tools run where only the registry answers.
const ENV = {
  ...process.env,
  REDOCLY_TELEMETRY: 'off',
  REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
  SCARF_ANALYTICS: 'false',
  DO_NOT_TRACK: '1',
};
const SPECTRAL_SEVERITIES = ['error', 'warn', 'info', 'hint'];

/**
 * Runs a tool that reports in JSON, whatever its exit code (both exit
 * non-zero when they find problems). @param {string} tool @param {string[]} args
 */
function runJson(tool, args) {
  try {
    return execFileSync(join(BIN, tool), args, {
      env: ENV,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const { stdout, stderr } = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    // A report on stdout: the tool ran and found problems.
    if (stdout && /^[[{]/.test(stdout.trim())) return stdout;
    throw new Error(`${tool} failed:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error });
  }
}

/**
 * Redocly's problems, one line each. @param {string} file
 * @returns {{ errors: number, warnings: number, lines: string[] }}
 */
function redocly(file) {
  const output = runJson('redocly', [
    'lint',
    '--config',
    join(HERE, 'redocly.yaml'),
    '--format',
    'json',
    '--max-problems',
    '1000',
    '--lint-config',
    'error',
    file,
  ]);
  /** @type {{ totals: { errors: number, warnings: number }, problems: any[] }} */
  const report = JSON.parse(output);
  const lines = report.problems.map((problem) => {
    const where = problem.location?.[0];
    const line = where?.start ? `${where.start.line}:${where.start.col}` : '';
    return `  ${line}  ${problem.severity}  ${problem.ruleId}  ${problem.message}  ${where?.pointer ?? ''}`;
  });
  return { errors: report.totals.errors, warnings: report.totals.warnings, lines };
}

/**
 * Spectral's results (errors, warnings, and infos and hints, which count as
 * warnings here), one line each. @param {string} file
 * @returns {{ errors: number, warnings: number, lines: string[] }}
 */
function spectral(file) {
  const output = runJson('spectral', [
    'lint',
    '--ruleset',
    join(HERE, '.spectral.yaml'),
    '--format',
    'json',
    '--fail-severity',
    'hint',
    '--quiet',
    file,
  ]);
  /** @type {any[]} */
  const results = JSON.parse(output);
  const lines = results.map((result) => {
    const { line, character } = result.range.start;
    return `  ${line + 1}:${character + 1}  ${SPECTRAL_SEVERITIES[result.severity]}  ${result.code}  ${result.message}  #/${result.path.map(pointerSegment).join('/')}`;
  });
  const errors = results.filter((result) => result.severity === 0).length;
  return { errors, warnings: results.length - errors, lines };
}

/** A JSON pointer's segment: `~` and `/` escaped. @param {string | number} segment */
function pointerSegment(segment) {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}

function main() {
  const files = process.argv.slice(2).map((file) => resolve(file));
  if (files.length === 0) throw new Error('usage: node tools/openapi-lint/lint.js FILE...');
  if (!existsSync(BIN)) {
    console.log('Installing the OpenAPI linters (npm ci in tools/openapi-lint)...');
    execFileSync('npm', ['ci', '--no-audit', '--no-fund', '--prefix', HERE], { stdio: 'inherit' });
  }
  let failed = false;
  for (const file of files) {
    const name = relative(process.cwd(), file);
    for (const [tool, lint] of /** @type {const} */ ([
      ['Redocly', redocly],
      ['Spectral', spectral],
    ])) {
      const { errors, warnings, lines } = lint(file);
      console.log(`${name}: ${tool}: ${errors} errors, ${warnings} warnings`);
      for (const line of lines) console.log(line);
      failed ||= errors + warnings > 0;
    }
  }
  if (failed) process.exitCode = 1;
}

try {
  main();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
}
