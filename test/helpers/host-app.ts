import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import { Module } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { App } from 'supertest/types';
import { testAdapter } from './adapters';
import type { Http } from './test-app';

/** An application of another team, embedding Lapse, with its request function. */
export interface HostApp {
  app: INestApplication<App>;
  http: Http;
}

/**
 * Builds an application the way a team embedding Lapse builds its own: a
 * root module of its own importing what it chooses, Nest's default body
 * parsing and none of Lapse's `configureApp` (no global pipe, filter or
 * hooks), on the HTTP adapter of the Jest project.
 */
export async function createHostApp(metadata: ModuleMetadata): Promise<HostApp> {
  @Module(metadata)
  class HostModule {}

  const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
  const app = moduleRef.createNestApplication<INestApplication<App>>(await hostAdapter(), {
    logger: ['error', 'warn'],
  });
  await app.init();
  if (testAdapter === 'fastify') {
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<unknown> }).ready();
  }
  return { app, http: () => request(app.getHttpServer()) };
}

async function hostAdapter(): Promise<AbstractHttpAdapter> {
  if (testAdapter === 'express') return new ExpressAdapter();
  const { FastifyAdapter } = await import('@nestjs/platform-fastify');
  return new FastifyAdapter();
}

/**
 * Gives each test of a describe block a way to build host apps, every one
 * closed after its test.
 */
export function useHostApps(): (metadata: ModuleMetadata) => Promise<HostApp> {
  const apps: HostApp[] = [];
  afterEach(async () => {
    await Promise.all(apps.splice(0).map(({ app }) => app.close()));
  });
  return async (metadata) => {
    const host = await createHostApp(metadata);
    apps.push(host);
    return host;
  };
}
