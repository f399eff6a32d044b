import { useTestApp } from './helpers/test-app';

describe('smoke', () => {
  const { http } = useTestApp();
  it('round-trips a resource', async () => {
    await http()
      .put('/resources/a')
      .send({ data: { __proto__x: 1 } })
      .expect(201);
    const res = await http()
      .put('/resources/b')
      .set('content-type', 'application/json')
      .send('{"data":{"__proto__":{"y":1},"z":2}}')
      .expect(201);
    expect(res.body.data).toEqual(JSON.parse('{"__proto__":{"y":1},"z":2}'));
  });
});
