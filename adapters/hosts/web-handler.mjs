// The bridge our hosts (vercel.mjs, netlify.mjs) use to call a platform function that
// takes a web Request and returns a web Response: part of astro-conform, not of any adapter.
import { once } from 'node:events';
import { Readable } from 'node:stream';

/**
 * Passes a Node request to `handle(request)` and streams its web Response back: each
 * Set-Cookie on its own line (never merged), each body chunk written as it arrives, and
 * the handler's request aborted when the client goes away.
 */
export async function callWebHandler(req, res, handle) {
  const aborted = new AbortController();
  res.on('close', () => aborted.abort()); // client gone: stop reading the body
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  headers.set('x-forwarded-for', req.socket.remoteAddress ?? ''); // the platforms set this; Astro reads the client address from it
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(new URL(req.url, `http://${req.headers.host || 'localhost'}`), {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: 'half',
    signal: aborted.signal,
  });
  const response = await handle(request);

  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader('set-cookie', cookies);
  res.flushHeaders();
  if (response.body && req.method !== 'HEAD') {
    for await (const chunk of response.body) {
      if (aborted.signal.aborted) break;
      // Each write goes out as its own HTTP chunk at once; wait only when the socket is full.
      if (!res.write(chunk)) await once(res, 'drain', { signal: aborted.signal });
    }
  }
  res.end();
}

/** Answers 500 for a handler that threw (or cuts a response already under way). */
export function handlerFailed(err, res) {
  if (err?.name === 'AbortError') return;
  console.error(err);
  if (res.headersSent) return res.destroy();
  res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Internal Server Error\n');
}
