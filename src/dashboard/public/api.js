// Reads from Lapse's API, with the API key the person entered when the server asks for one.

/** Where an entered API key is kept: for this browser tab only. */
const KEY_ITEM = 'lapse.apiKey';

/** The server answered 401: reads need an API key, or the one sent was refused. */
export class KeyRequiredError extends Error {
  /** @param {boolean} keyWasSent */
  constructor(keyWasSent) {
    super(keyWasSent ? 'the API key was not accepted' : 'an API key is required');
    this.keyWasSent = keyWasSent;
  }
}

/** Any other answer than a success, with the message from its JSON body. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/** The API key entered on this page, if any. */
export const apiKey = {
  /** @returns {string | undefined} */
  get() {
    try {
      return sessionStorage.getItem(KEY_ITEM) ?? undefined;
    } catch {
      // Storage can be off (a privacy setting): the key then lives as long as the page.
      return memoryKey;
    }
  },
  /** @param {string} key */
  set(key) {
    memoryKey = key;
    try {
      sessionStorage.setItem(KEY_ITEM, key);
    } catch {
      // See get().
    }
  },
  clear() {
    memoryKey = undefined;
    try {
      sessionStorage.removeItem(KEY_ITEM);
    } catch {
      // See get().
    }
  },
};

/** @type {string | undefined} */
let memoryKey;

/**
 * GETs `path` and resolves its JSON body. Sends the entered key as
 * `X-API-Key`; rejects with {@link KeyRequiredError} on 401 and
 * {@link ApiError} on any other failure status.
 * @param {string} path
 * @returns {Promise<any>}
 */
export async function getJson(path) {
  const key = apiKey.get();
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json' };
  if (key !== undefined) headers['X-API-Key'] = key;
  // Resources carry HTTP caching headers: the page must see the server's answer, not a copy.
  const response = await fetch(path, { headers, cache: 'no-store' });
  if (response.status === 401) throw new KeyRequiredError(key !== undefined);
  if (!response.ok) throw new ApiError(response.status, await messageOf(response));
  return response.json();
}

/**
 * The path of a resource's route: ids can be URLs, so they are encoded whole.
 * @param {string} base e.g. `/resources`
 * @param {string} id
 * @param {string} [rest] e.g. `/series`
 */
export function pathOf(base, id, rest = '') {
  return `${base}/${encodeURIComponent(id)}${rest}`;
}

/** @param {Response} response */
async function messageOf(response) {
  try {
    const body = await response.json();
    const message = body?.message;
    if (Array.isArray(message)) return message.join('; ');
    if (typeof message === 'string') return message;
  } catch {
    // Not JSON: the status line says enough.
  }
  return `${response.status} ${response.statusText}`.trim();
}
