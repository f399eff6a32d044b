import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-connection';

type EvalOptions = NonNullable<Parameters<RedisClient['eval']>[1]>;
type EvalReply = Awaited<ReturnType<RedisClient['eval']>>;

/**
 * A Lua script called by its SHA1 (EVALSHA), so neither the source travels nor
 * Redis hashes it on every call. A server that does not have the script yet
 * (new, restarted or flushed) answers NOSCRIPT, and the call is made once with
 * EVAL, which also loads it.
 */
export class RedisScript {
  readonly sha1: string;

  constructor(readonly source: string) {
    this.sha1 = createHash('sha1').update(source).digest('hex');
  }

  async evaluate(client: RedisClient, options: EvalOptions): Promise<EvalReply> {
    try {
      return await client.evalSha(this.sha1, options);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return client.eval(this.source, options);
    }
  }
}
