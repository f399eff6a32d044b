import { HttpStatus } from '@nestjs/common';
import { getSchemaPath } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type {
  OperationObject,
  ResponseObject,
  SecurityRequirementObject,
  SecuritySchemeObject,
} from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { ErrorResponseDto, errorBody } from '../http/error-response';
import type { LapseConfig } from '../config/lapse.config';
import { ACCESS_EXTENSION, UNLIMITED_EXTENSION, accessOfMethod } from './access.decorators';
import type { Access } from './access.decorators';
import { MISSING_KEY } from './api-key.guard';
import { tooManyRequests } from './security.module';

/**
 * The two ways to send a key. A key is one of API_KEYS as it is, compared
 * with each of them: no JWT, nothing to decode.
 */
export const API_KEY_SCHEMES: Readonly<Record<string, SecuritySchemeObject>> = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'One of API_KEYS, as it is, in `Authorization: Bearer <key>`: a plain key, not a JWT.',
  },
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'One of API_KEYS, as it is, in `X-API-Key: <key>`.',
  },
};

/** Either scheme will do. */
const KEY_REQUIRED: SecurityRequirementObject[] = Object.keys(API_KEY_SCHEMES).map((name) => ({
  [name]: [],
}));

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The extensions the access decorators leave on an operation. */
interface Marks {
  [ACCESS_EXTENSION]?: Access;
  [UNLIMITED_EXTENSION]?: boolean;
}

/**
 * Documents who may call each route and how often, as the guards decide it
 * under `security` (API_KEYS, AUTH_READS): routes that need a key with this
 * configuration have the key schemes as requirement (a lock in Swagger UI),
 * the others none. Whatever the configuration, every route that can need a
 * key lists the 401 and every rate-limited route the 429, so the answers a
 * client must handle do not depend on the server it was generated from.
 */
export function documentAccess(
  document: OpenAPIObject,
  security: Pick<LapseConfig['security'], 'apiKeys' | 'authReads'>,
): void {
  const keysRequired = security.apiKeys.length > 0;
  for (const item of Object.values(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const marks = operation as OperationObject & Marks;
      const access = marks[ACCESS_EXTENSION] ?? accessOfMethod(method);
      const unlimited = marks[UNLIMITED_EXTENSION] === true;
      delete marks[ACCESS_EXTENSION];
      delete marks[UNLIMITED_EXTENSION];
      const responses: OperationObject['responses'] = { ...operation.responses };
      if (access !== 'public') responses[HttpStatus.UNAUTHORIZED] = unauthorized(access);
      if (!unlimited) responses[HttpStatus.TOO_MANY_REQUESTS] = TOO_MANY_REQUESTS;
      operation.responses = Object.fromEntries(
        Object.entries(responses).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      );
      const locked = access === 'write' || (access === 'read' && security.authReads);
      // The document's requirement (a key) applies unless the operation has its own (none).
      if (keysRequired && !locked) operation.security = [];
    }
  }
  if (keysRequired) {
    document.components = {
      ...document.components,
      securitySchemes: { ...API_KEY_SCHEMES },
    };
  }
  document.security = keysRequired ? KEY_REQUIRED : [];
}

function unauthorized(access: Exclude<Access, 'public'>): ResponseObject {
  const when =
    access === 'read' ? 'When API_KEYS is set and AUTH_READS=true' : 'When API_KEYS is set';
  return errorResponse(
    HttpStatus.UNAUTHORIZED,
    `${when}, this route needs a key: none was sent, or not one of API_KEYS.`,
    MISSING_KEY,
    {
      'WWW-Authenticate': {
        required: true,
        description: 'The scheme to use; `error="invalid_token"` when the key sent is not valid.',
        schema: { type: 'string', example: 'Bearer realm="lapse"' },
      },
    },
  );
}

const TOO_MANY_REQUESTS = errorResponse(
  HttpStatus.TOO_MANY_REQUESTS,
  'When THROTTLE_LIMIT is set: this client (its key, else its IP) sent more requests ' +
    'than THROTTLE_LIMIT within THROTTLE_TTL seconds. Nothing was done.',
  tooManyRequests(100, 60),
  {
    'Retry-After': {
      required: true,
      description: 'Seconds until the client may send again.',
      schema: { type: 'integer', example: 42 },
    },
  },
);

function errorResponse(
  status: number,
  description: string,
  message: string,
  headers: ResponseObject['headers'],
): ResponseObject {
  return {
    description,
    headers,
    content: {
      'application/json': {
        schema: { $ref: getSchemaPath(ErrorResponseDto) },
        example: errorBody(status, message),
      },
    },
  };
}
