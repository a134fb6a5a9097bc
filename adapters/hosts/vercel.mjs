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
// Of the routes in .vercel/output/config.json, those before `{ "handle": "filesystem" }`
// are applied only when they redirect (a 3xx `status` and a `Location` header, `$n` filled
// from the `src` match, the request's query kept), for any method, as the platform does. Of those after it, only
// `src`, `dest` and `status`: `dest: "_render"` calls the function, a `dest` that is a
// static file (e.g. `/404.html` with `status: 404`) is served with that status. A build
// with no on-demand route has no function: what no file or route answers gets a plain 404.
// Not applied: other route headers (e.g. `cache-control: immutable` on /_astro/*),
// rewrites with captures, and other functions (ISR, edge middleware, image optimisation
// by the platform).
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sendFile, staticFile } from './static-files.mjs';
import { callWebHandler, handlerFailed } from './web-handler.mjs';

const project = process.argv[2];
if (!project) {
  console.error('usage: node vercel.mjs <project-dir>');
  process.exit(2);
}
const output = resolve(project, '.vercel/output');
const staticRoot = join(output, 'static');
const funcDir = join(output, 'functions/_render.func');
// A build with no on-demand route has no function: only static/ and config.json's routes.
const entry = existsSync(join(funcDir, '.vc-config.json')) ? await loadFunction() : null;

async function loadFunction() {
  const vcConfig = JSON.parse(readFileSync(join(funcDir, '.vc-config.json'), 'utf8'));
  const handler = (await import(pathToFileURL(join(funcDir, vcConfig.handler)).href)).default;
  if (typeof handler?.fetch !== 'function') {
    console.error(`${vcConfig.handler}: default export has no fetch(request); this runner supports only that shape`);
    process.exit(1);
  }
  return handler;
}
const config = JSON.parse(readFileSync(join(output, 'config.json'), 'utf8'));
const routes = config.routes ?? [];
const filesystemAt = routes.findIndex((r) => r.handle === 'filesystem');
// Before the filesystem: the config's redirects (a status and a Location, `$1` for captures).
const redirects = routes
  .slice(0, Math.max(filesystemAt, 0))
  .filter((r) => r.src && r.status >= 300 && r.status < 400 && r.headers?.Location)
  .map((r) => ({ ...r, regex: new RegExp(r.src) }));
const afterFilesystem = routes
  .slice(filesystemAt + 1)
  .filter((r) => r.src && r.dest)
  .map((r) => ({ ...r, regex: new RegExp(r.src) }));
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 4321);

const server = http.createServer(async (req, res) => {
  const [path, query] = req.url.split(/\?(.*)/s);
  for (const r of redirects) {
    const m = r.regex.exec(path);
    if (!m) continue;
    let location = r.headers.Location.replace(/\$(\d+)/g, (_, i) => m[Number(i)] ?? '');
    // The request's query goes along when the Location names none, as on the platform
    // (found by request-shapes: `/tags?tag=a` must redirect to `/tags/?tag=a`).
    if (query !== undefined && !location.includes('?')) location += `?${query}`;
    res.writeHead(r.status, { location });
    return res.end();
  }
  if (req.method === 'GET' || req.method === 'HEAD') {
    const found = await staticFile(staticRoot, req.url);
    if (found) return sendFile(req, res, found);
  }
  const route = afterFilesystem.find((r) => r.regex.test(path));
  if (route && route.dest !== '_render') {
    const file = await staticFile(staticRoot, route.dest);
    if (file) return sendFile(req, res, file, route.status ?? 200);
  }
  if (!entry) {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    return res.end('Not Found\n');
  }
  try {
    await callWebHandler(req, res, (request) => entry.fetch(request));
  } catch (err) {
    handlerFailed(err, res);
  }
});
server.listen(port, host, () => console.log(`vercel runner (ours) listening on http://${host}:${port}`));
