/** The messages of a 400 body, whether Nest answered one string or a list. */
export function messagesOf(body: { message?: unknown }): string[] {
  const { message } = body;
  if (Array.isArray(message)) return message.map(String);
  return typeof message === 'string' ? [message] : [];
}

/** True when some message names `field` as a word of its own. */
export function namesField(body: { message?: unknown }, field: string): boolean {
  const word = new RegExp(`(^|[^A-Za-z0-9_])${field}([^A-Za-z0-9_]|$)`);
  return messagesOf(body).some((message) => word.test(message));
}
