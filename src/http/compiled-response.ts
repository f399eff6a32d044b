import { RouteSchema } from '@nestjs/platform-fastify';

/** A JSON schema of an answer's body (the subset fast-json-stringify compiles). */
export type ResponseSchema = Readonly<Record<string, unknown>>;

/**
 * Answers of a fixed shape, serialised on Fastify by a serializer compiled
 * from `schema` (Fastify's response schemas, fast-json-stringify) rather than
 * by `JSON.stringify` of the object the handler returns; properties come out
 * in the schema's order. Express ignores it and keeps `JSON.stringify`, so
 * the schema must list the properties in the order the handler builds them.
 */
export const CompiledResponse = (
  schema: ResponseSchema,
  ...statuses: number[]
): MethodDecorator & ClassDecorator =>
  RouteSchema({ response: Object.fromEntries(statuses.map((status) => [status, schema])) });
