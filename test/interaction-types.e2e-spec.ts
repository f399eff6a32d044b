import { namesField } from './helpers/messages';
import { storeTargets } from './helpers/stores';
import { useTestApp } from './helpers/test-app';

/**
 * Distinct interaction types per resource are bounded (`TRACKING_MAX_TYPES`,
 * one place always kept for `view`): a new type beyond the bound is a 409
 * naming `type` and the bound, and changes nothing. Before the bound, made-up
 * types grew a resource's summary (and the heap) without end.
 */

interface Summary {
  total: number;
  byType: Record<string, number>;
  lastAt: string;
}

interface Stats {
  entries: number;
  sets: number;
  interactions: number;
}

describe.each(storeTargets)('interaction types ($name store)', ({ env }) => {
  const run = Math.random().toString(36).slice(2, 8);
  let counter = 0;
  const uniqueId = (label: string): string => `${label}-${run}-${++counter}`;

  describe('TRACKING_MAX_TYPES=4', () => {
    const { http } = useTestApp(() => ({ ...env(), TRACKING_MAX_TYPES: '4' }), { listen: true });
    const summary = async (id: string): Promise<Summary> =>
      (
        await http()
          .get(`/interactions/${encodeURIComponent(id)}`)
          .expect(200)
      ).body as Summary;
    const stats = async (): Promise<Stats> => {
      const { entries, sets, interactions } = (await http().get('/stats').expect(200))
        .body as Stats;
      return { entries, sets, interactions };
    };
    const record = (body: object) => http().post('/interactions').send(body);

    it('refuses a fourth type besides "view" with a 409 naming type and the bound, changing nothing', async () => {
      const id = uniqueId('bounded');
      for (const type of ['click', 'share', 'like']) {
        await record({ resourceId: id, type }).expect(201);
      }
      const [before, statsBefore] = [await summary(id), await stats()];

      const res = await record({ resourceId: id, type: 'made-up' }).expect(409);

      expect(namesField(res.body as object, 'type')).toBe(true);
      expect(namesField(res.body as object, 'TRACKING_MAX_TYPES')).toBe(true);
      expect(JSON.stringify(res.body)).toContain('(4,');
      expect(await summary(id)).toStrictEqual(before);
      expect(await stats()).toStrictEqual(statsBefore);
      expect((await record({ resourceId: id }).expect(201)).body).toStrictEqual({
        resourceId: id,
        type: 'view',
        total: 4,
      });
      await record({ resourceId: id, type: 'click' }).expect(201);
      await record({ resourceId: id, type: 'poke' }).expect(409);
      expect((await summary(id)).byType).toStrictEqual({ click: 2, share: 1, like: 1, view: 1 });
    });

    it('caches no data of a refused interaction', async () => {
      const id = uniqueId('with-data');
      for (const type of ['click', 'share', 'like']) {
        await record({ resourceId: id, type }).expect(201);
      }
      const statsBefore = await stats();

      await record({ resourceId: id, type: 'made-up', data: { a: 1 }, ttl: 60 }).expect(409);

      await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(404);
      expect(await stats()).toStrictEqual(statsBefore);
      await record({ resourceId: id, type: 'click', data: { a: 2 } }).expect(201);
      expect(
        (
          await http()
            .get(`/resources/${encodeURIComponent(id)}`)
            .expect(200)
        ).body,
      ).toMatchObject({
        data: { a: 2 },
      });
    });

    it('keeps the original route working: it records a "view", which always has a place', async () => {
      const id = uniqueId('compat');
      for (const type of ['click', 'share', 'like']) {
        await record({ resourceId: id, type }).expect(201);
      }

      const res = await http()
        .post('/track_interaction')
        .send({ id, data: [1, 2] })
        .expect(200);

      expect(res.body).toStrictEqual({
        status: 'success',
        message: 'Resource cached successfully.',
      });
      expect((await summary(id)).byType).toStrictEqual({ click: 1, share: 1, like: 1, view: 1 });
      expect(
        (await http().get('/get_cached_resource').query({ id }).expect(200)).body,
      ).toStrictEqual({ status: 'success', data: [1, 2] });
    });

    it('never exceeds the bound when 40 new types arrive at once', async () => {
      const id = uniqueId('concurrent');

      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          record({ resourceId: id, type: `type-${i}` }).then((res) => res.status),
        ),
      );

      expect(statuses.filter((status) => status === 201)).toHaveLength(3);
      expect(statuses.filter((status) => status === 409)).toHaveLength(37);
      const { total, byType } = await summary(id);
      expect(total).toBe(3);
      expect(Object.keys(byType)).toHaveLength(3);
    });
    it('never leaves the data of a refused interaction behind when 40 new types with data arrive at once', async () => {
      const id = uniqueId('concurrent-data');

      const answers = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          record({ resourceId: id, type: `type-${i}`, data: { from: i } }).then((res) => ({
            from: i,
            status: res.status,
          })),
        ),
      );

      const admitted = answers.filter(({ status }) => status === 201).map(({ from }) => from);
      expect(admitted).toHaveLength(3);
      const cached = await http()
        .get(`/resources/${encodeURIComponent(id)}`)
        .expect(200);
      expect(admitted).toContain((cached.body as { data: { from: number } }).data.from);
    });
  });

  describe('the default bound (32)', () => {
    const { http } = useTestApp(env);

    it('keeps a summary of made-up types small', async () => {
      const id = uniqueId('made-up');
      const statuses: number[] = [];
      for (let i = 0; i < 100; i++) {
        const res = await http()
          .post('/interactions')
          .send({ resourceId: id, type: `made-up-${i}` });
        statuses.push(res.status);
      }

      expect(statuses.slice(0, 31).every((status) => status === 201)).toBe(true);
      expect(statuses.slice(31).every((status) => status === 409)).toBe(true);
      const res = await http()
        .get(`/interactions/${encodeURIComponent(id)}`)
        .expect(200);
      expect(Object.keys((res.body as Summary).byType)).toHaveLength(31);
      await http().post('/interactions').send({ resourceId: id }).expect(201);
      await http().post('/interactions').send({ resourceId: id, type: 'another' }).expect(409);
    });
  });
});
