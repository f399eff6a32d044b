/** Longest resource id, in UTF-16 code units (JavaScript's `length`). */
export const MAX_ID_LENGTH = 1024;

/** Most tags on one entry, and the longest tag. */
export const MAX_TAGS = 32;
export const MAX_TAG_LENGTH = 128;

/** Interaction types: lower-case letters, digits, `_`, `.` or `-`, 1 to 64 characters. */
export const INTERACTION_TYPE_PATTERN = /^[a-z0-9_.-]{1,64}$/;

/** The default `TRACKING_MAX_TYPES`: distinct interaction types per resource. */
export const DEFAULT_MAX_INTERACTION_TYPES = 32;

/** The highest `TRACKING_MAX_TYPES`: more types per resource would make its summary large. */
export const MAX_INTERACTION_TYPES = 1000;

/** Longest TTL a client may ask for: one year, in seconds. */
export const MAX_TTL_SECONDS = 31_536_000;

/**
 * Deepest accepted nesting of a JSON body. Far deeper values would overflow
 * the stack of recursive code downstream (validation, JSON.stringify) and
 * answer 500 instead of 400.
 */
export const MAX_NESTING_DEPTH = 512;

/**
 * Most messages a 400 lists; one more line says when others were left out.
 * With {@link MAX_ERROR_MESSAGE_LENGTH}, it bounds the answer to a bad body,
 * whatever the body holds.
 */
export const MAX_ERROR_MESSAGES = 10;

/** Longest message of a 400, in characters (one naming a huge unknown property is cut). */
export const MAX_ERROR_MESSAGE_LENGTH = 200;

/** Most shards of a keyspace on a Redis Cluster (REDIS_SHARDS): every global view reads each. */
export const MAX_REDIS_SHARDS = 1024;
