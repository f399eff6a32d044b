import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { HELMET_OPTIONS, securityHeaders } from './security-headers';

/** The headers helmet's own middleware sets on a real response, with Lapse's settings. */
async function headersFromHelmetMiddleware(
  options: Parameters<typeof helmet>[0],
): Promise<Record<string, string>> {
  const middleware = helmet(options);
  const server = createServer((request, response) => {
    response.setHeader('X-Powered-By', 'something');
    middleware(request, response, () => response.end());
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  try {
    const { port } = server.address() as AddressInfo;
    const response = await fetch(`http://127.0.0.1:${port}/`);
    const headers: Record<string, string> = {};
    const transport = new Set(['connection', 'content-length', 'date', 'keep-alive']);
    response.headers.forEach((value, name) => {
      if (!transport.has(name)) headers[name] = value;
    });
    return headers;
  } finally {
    await new Promise((closed) => server.close(closed));
  }
}

describe(securityHeaders.name, () => {
  it('sets exactly what helmet sets per request, computed once', async () => {
    const fromMiddleware = await headersFromHelmetMiddleware(HELMET_OPTIONS);

    expect(securityHeaders()).toStrictEqual(fromMiddleware);
    // Helmet removes X-Powered-By; the adapters never send it (tested end to end).
    expect(fromMiddleware['x-powered-by']).toBeUndefined();
  });

  it("keeps helmet's defaults and Lapse's page policy", () => {
    const headers = securityHeaders();

    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
    });
    const csp = headers['content-security-policy'];
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("img-src 'self' data:");
    expect(csp).not.toContain('upgrade-insecure-requests');
    expect(Object.isFrozen(headers)).toBe(true);
  });
});
