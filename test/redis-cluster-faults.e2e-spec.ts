import { RedisKeyspace } from '../src/redis/redis-keyspace';
import { canStartCluster, RedisCluster } from './helpers/redis-cluster';
import type { RedisClusterNode } from './helpers/redis-cluster';
import { startTestApp } from './helpers/test-app';
import type { TestApp } from './helpers/test-app';
import { eventually } from './helpers/time';

// This suite owns a cluster of its own (three masters, a replica each), to kill one master.
const describeWithCluster = canStartCluster('the cluster fault suite') ? describe : () => undefined;

const UNAVAILABLE = {
  statusCode: 503,
  message: 'Cache store unavailable',
  error: 'Service Unavailable',
};
const NAMESPACE = 'cluster-faults';
const SHARDS = 8;

describeWithCluster('when a master of the Redis Cluster fails', () => {
  let cluster: RedisCluster;
  let app: TestApp;
  const http = () => app.http();

  beforeAll(async () => {
    cluster = await RedisCluster.start({ masters: 3, replicasPerMaster: 1 });
    app = await startTestApp({
      CACHE_STORE: 'redis',
      REDIS_CLUSTER_NODES: cluster.seeds,
      REDIS_SHARDS: String(SHARDS),
      CACHE_NAMESPACE: NAMESPACE,
      REDIS_TIMEOUT_MS: '500',
    });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await cluster?.stop();
  });

  it('fails only its shards, names it in /health/ready, and recovers once its replica takes over', async () => {
    // One id per shard, and the master serving each.
    const keyspace = RedisKeyspace.cluster(NAMESPACE, SHARDS);
    const ids: string[] = [];
    for (let i = 0; ids.length < SHARDS; i++) {
      if (!ids.some((id) => keyspace.shardOf(id) === keyspace.shardOf(`id-${i}`))) {
        ids.push(`id-${i}`);
      }
    }
    const owners = new Map<string, RedisClusterNode>();
    for (const id of ids) {
      await http().put(`/resources/${id}`).send({ data: id, ttl: 600 }).expect(201);
      owners.set(id, await cluster.masterFor(`${keyspace.prefixOf(id)}:cache:${id}`));
    }
    const health = await http().get('/health/ready').expect(200);
    expect(Object.values(health.body.details.store.nodes)).toStrictEqual(['up', 'up', 'up']);

    const victim = owners.get(ids[0]) as RedisClusterNode;
    const lost = ids.filter((id) => owners.get(id)?.port === victim.port);
    const kept = ids.filter((id) => owners.get(id)?.port !== victim.port);
    expect(kept.length).toBeGreaterThan(0);
    await cluster.kill(victim);

    for (const id of lost) {
      const started = Date.now();
      const res = await http().get(`/resources/${id}`);
      expect(Date.now() - started).toBeLessThan(2000);
      expect({ status: res.status, body: res.body as unknown }).toStrictEqual({
        status: 503,
        body: UNAVAILABLE,
      });
    }
    for (const id of kept) {
      expect((await http().get(`/resources/${id}`).expect(200)).body.data).toBe(id);
    }
    const degraded = await http().get('/health/ready').expect(200);
    expect(degraded.body.details.store.nodes[`127.0.0.1:${victim.port}`]).toBe('down');
    expect(degraded.body.details.store.message).toContain(`127.0.0.1:${victim.port}`);
    // A view of every shard cannot be whole while one is missing.
    await http().get('/resources').expect(503);

    await cluster.waitForFailover(victim, 20_000);

    // Replication is asynchronous: writes the dead master acknowledged may be
    // lost with it, so its shards are written to afresh on the new master.
    const write = async (id: string): Promise<void> => {
      const res = await http().put(`/resources/${id}`).send({ data: id, ttl: 600 });
      expect([200, 201]).toContain(res.status);
    };
    await eventually(() => write(lost[0]), 10_000);
    for (const id of lost) await write(id);
    for (const id of ids) {
      expect((await http().get(`/resources/${id}`).expect(200)).body.data).toBe(id);
    }
    const listed = await http().get('/resources?limit=100').expect(200);
    expect((listed.body.items as Array<{ id: string }>).map(({ id }) => id).sort()).toStrictEqual(
      [...ids].sort(),
    );
    const healed = await http().get('/health/ready').expect(200);
    expect(Object.values(healed.body.details.store.nodes)).toStrictEqual(['up', 'up', 'up']);
  }, 60_000);
});
