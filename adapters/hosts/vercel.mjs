#!/usr/bin/env node
// Local runner for an @astrojs/vercel build (.vercel/output, Build Output API v3).
//
// THIS RUNNER IS OURS (part of astro-conform), NOT VERCEL'S. Vercel ships no offline runner
// usable here, so what a conformance report shows for "vercel" is the adapter's build output
// as served by this file, not the behaviour of Vercel's platform.
//
// Usage: HOST=127.0.0.1 PORT=4321 node vercel.mjs <project-dir>
//
// What it does: GET/HEAD requests are answered from .vercel/output/static when a file
// matches (`/x/` -> x/index.html; `/x` -> x, then x/index.html); everything else goes to
// the one function Astro emits, functions/_render.func, whose handler file is named in its
// .vc-config.json and whose default export has `fetch(request)`. The web Response is
// written back with each Set-Cookie on its own line and the body streamed chunk by chunk.
//
// Of the routes in .vercel/output/config.json, only those after `{ "handle": "filesystem" }`
// are applied, and only their `src`, `dest` and `status`: `dest: "_render"` calls the
// function, a `dest` that is a static file (e.g. `/404.html` with `status: 404`) is served
// with that status. Not applied: route headers (e.g. `cache-control: immutable` on
// /_astro/*), redirects, rewrites with captures, and other functions (ISR, edge middleware,
// image optimisation by the platform).
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { sendFile, staticFile } from './static-files.mjs';

const project = process.argv[2];
if (!project) {
  console.error('usage: node vercel.mjs <project-dir>');
  process.exit(2);
}
const output = resolve(project, '.vercel/output');
const staticRoot = join(output, 'static');
const funcDir = join(output, 'functions/_render.func');
const vcConfig = JSON.parse(readFileSync(join(funcDir, '.vc-config.json'), 'utf8'));
const entry = (await import(pathToFileURL(join(funcDir, vcConfig.handler)).href)).default;
if (typeof entry?.fetch !== 'function') {
  console.error(`${vcConfig.handler}: default export has no fetch(request); this runner supports only that shape`);
  process.exit(1);
}
const config = JSON.parse(readFileSync(join(output, 'config.json'), 'utf8'));
const afterFilesystem = (config.routes ?? [])
  .slice((config.routes ?? []).findIndex((r) => r.handle === 'filesystem') + 1)
  .filter((r) => r.src && r.dest)
  .map((r) => ({ ...r, regex: new RegExp(r.src) }));
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 4321);

/** Passes a Node request to the function and streams its web Response back. */
async function callFunction(req, res) {
  const aborted = new AbortController();
  res.on('close', () => aborted.abort()); // client gone: stop reading the body
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  headers.set('x-forwarded-for', req.socket.remoteAddress ?? ''); // the platform sets this; Astro reads the client address from it
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  const request = new Request(new URL(req.url, `http://${req.headers.host || `${host}:${port}`}`), {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: 'half',
    signal: aborted.signal,
  });
  const response = await entry.fetch(request);

  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  const cookies = response.headers.getSetCookie(); // one line per cookie, never merged
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

const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const found = await staticFile(staticRoot, req.url);
    if (found) return sendFile(req, res, found);
  }
  const route = afterFilesystem.find((r) => r.regex.test(req.url.split('?')[0]));
  if (route && route.dest !== '_render') {
    const file = await staticFile(staticRoot, route.dest);
    if (file) return sendFile(req, res, file, route.status ?? 200);
  }
  try {
    await callFunction(req, res);
  } catch (err) {
    if (err?.name === 'AbortError') return;
    console.error(err);
    if (res.headersSent) return res.destroy();
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Internal Server Error\n');
  }
});
server.listen(port, host, () => console.log(`vercel runner (ours) listening on http://${host}:${port}`));
