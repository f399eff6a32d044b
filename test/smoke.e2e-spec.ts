import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type { App } from 'supertest/types';
import { createTestApp } from './helpers/create-test-app';

describe('smoke', () => {
  let app: INestApplication<App>;
  beforeAll(async () => {
    app = await createTestApp();
  });
  afterAll(async () => {
    await app.close();
  });
  it('round-trips a resource', async () => {
    await request(app.getHttpServer())
      .put('/resources/a')
      .send({ data: { __proto__x: 1 } })
      .expect(201);
    const res = await request(app.getHttpServer())
      .put('/resources/b')
      .set('content-type', 'application/json')
      .send('{"data":{"__proto__":{"y":1},"z":2}}')
      .expect(201);
    expect(res.body.data).toEqual(JSON.parse('{"__proto__":{"y":1},"z":2}'));
  });
});
