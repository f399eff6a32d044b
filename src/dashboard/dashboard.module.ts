import { dirname, join } from 'node:path';
import { Module } from '@nestjs/common';
import { ServeStaticModule } from '@nestjs/serve-static';
import type { ServeStaticModuleOptions } from '@nestjs/serve-static';

/** Where the page's own files are: `nest build` copies them beside this module. */
const PAGE_ROOT = join(__dirname, 'public');

/** uPlot's browser builds, served from the installed package rather than a copy. */
const UPLOT_ROOT = join(dirname(require.resolve('uplot/package.json')), 'dist');

/** Where the dashboard is served. */
const DASHBOARD_PATH = '/dashboard';

/**
 * `GET /dashboard`: a page showing the cache and the tracker live, plain
 * HTML, CSS and JavaScript that reads the public API as any client does.
 * The files are public (the page holds no data), so no API key is needed to
 * load it; the reads it makes ask for one when the server does.
 */
@Module({
  imports: [
    ServeStaticModule.forRoot(
      staticRoot(PAGE_ROOT, DASHBOARD_PATH),
      staticRoot(UPLOT_ROOT, `${DASHBOARD_PATH}/vendor/uplot`),
    ),
  ],
})
export class DashboardModule {}

/** One folder served under one path, alike on Express and Fastify. */
function staticRoot(rootPath: string, serveRoot: string): ServeStaticModuleOptions {
  return {
    rootPath,
    serveRoot,
    // A path under the root that names no file is Nest's usual JSON 404 on
    // Express, as it is on Fastify, rather than the page served again.
    exclude: [`${serveRoot}/{*path}`],
    // Every root registers @fastify/static, and Fastify lets only one of them
    // (Swagger UI's) add `sendFile` to its replies; none is needed here.
    serveStaticOptions: { decorateReply: false },
  };
}
