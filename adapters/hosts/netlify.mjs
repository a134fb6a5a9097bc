#!/usr/bin/env node
// Local runner for an @astrojs/netlify build (.netlify/v1, Netlify's frameworks API).
//
// THIS RUNNER IS OURS (part of astro-conform), NOT NETLIFY'S. `netlify serve --offline`
// listens on every interface, so what a conformance report shows for "netlify" is the
// adapter's build output as served by this file, not the behaviour of Netlify's platform.
//
// Usage: HOST=127.0.0.1 PORT=4321 node netlify.mjs <project-dir>
//
// What it does, in Netlify's order:
// 1. GET/HEAD from dist/ when a file matches (`/x/` -> x/index.html; `/x` -> x, then
//    x/index.html, then x.html): a file shadows a redirect unless its status has `!`.
// 2. The redirects of .netlify/v1/config.json and dist/_redirects (`from to status`,
//    `:name` placeholders and a final `*` filled into `:splat`) that are 3xx: answered
//    with Location, for every method.
// 3. Everything else: the function .netlify/v1/functions/ssr/ssr.mjs, whose default
//    export takes (Request, context) and returns a Response. The context has only what a
//    local runner can honestly give: `ip`, `site`, `deploy`, `geo` left empty, `cookies`
//    read from the request, `waitUntil` and `next()` (static files).
// A build with no on-demand route has no function: what no file answers gets dist/404.html
// with status 404 if the build wrote one, else a plain 404.
// Netlify Blobs (the adapter's session store) come from Netlify's own local server,
// @netlify/blobs' BlobsServer (what `netlify dev` starts), on 127.0.0.1 with its files in
// the build's workdir; the function finds it through the blobs context, as on Netlify.
// Not applied: redirects with conditions (country, role), 200 rewrites and proxies,
// headers rules, edge functions, image CDN.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sendFile, staticFile } from './static-files.mjs';
import { callWebHandler, handlerFailed } from './web-handler.mjs';

const project = process.argv[2];
if (!project) {
  console.error('usage: node netlify.mjs <project-dir>');
  process.exit(2);
}
const publish = resolve(project, 'dist');
const functionFile = resolve(project, '.netlify/v1/functions/ssr/ssr.mjs');
const fn = existsSync(functionFile) ? (await import(pathToFileURL(functionFile).href)).default : null;
if (fn !== null && typeof fn !== 'function') {
  console.error(`${functionFile}: its default export is not a function (request, context)`);
  process.exit(1);
}
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 4321);
if (fn) await startBlobs();
const redirects = [...configRedirects(), ...redirectsFile()].filter((r) => r.status >= 300 && r.status < 400);

/** `redirects` of .netlify/v1/config.json: `{ from, to, status }`. */
function configRedirects() {
  const file = resolve(project, '.netlify/v1/config.json');
  if (!existsSync(file)) return [];
  const config = JSON.parse(readFileSync(file, 'utf8'));
  return (config.redirects ?? []).map((r) => rule(r.from, r.to, Number(r.status ?? 301), Boolean(r.force)));
}

/** dist/_redirects: one `from to [status]` per line, `#` comments. */
function redirectsFile() {
  const file = join(publish, '_redirects');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
    .filter((parts) => parts.length >= 2 && parts[0])
    .map(([from, to, status = '301']) => rule(from, to, Number.parseInt(status, 10), status.endsWith('!')));
}

/** A matcher for a Netlify `from` pattern: `:name` is one segment, a final `*` the rest. */
function rule(from, to, status, force = false) {
  const names = [];
  const source = from
    .replace(/\/$/, '')
    .split('/')
    .map((segment) => {
      if (segment === '*') return names.push('splat') && '(.*)';
      if (segment.startsWith(':')) return names.push(segment.slice(1)) && '([^/]+)';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}/?$`), names, to, status, force };
}

/**
 * Starts Netlify's local Blobs server and points the function's blobs context at it. Its
 * own start() listens on every interface, so its request handler is served here, on
 * 127.0.0.1 at a port the kernel picks. A build without @netlify/blobs gets no store.
 */
async function startBlobs() {
  const fromProject = createRequire(resolve(project, 'package.json'));
  let blobsModule;
  try {
    blobsModule = await import(pathToFileURL(fromProject.resolve('@netlify/blobs/server')).href);
  } catch {
    return;
  }
  const token = randomBytes(16).toString('hex');
  const directory = resolve(project, '.astro-conform/netlify-blobs');
  await mkdir(directory, { recursive: true });
  const blobs = new blobsModule.BlobsServer({ directory, token });
  const listener = http.createServer((req, res) =>
    callWebHandler(req, res, (request) => blobs.handleRequest(request)).catch((err) => handlerFailed(err, res)),
  );
  await new Promise((done) => listener.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${listener.address().port}`;
  blobs.address = url; // the base of the signed URLs it hands out
  const context = { edgeURL: url, uncachedEdgeURL: url, token, siteID: 'local', deployID: 'local' };
  globalThis.netlifyBlobsContext = Buffer.from(JSON.stringify(context)).toString('base64');
}

/** The redirect that matches `path` (only a forced one with `forced`), filled in, or null. */
function redirectFor(path, forced) {
  for (const r of redirects) {
    if (forced && !r.force) continue;
    const m = r.regex.exec(path);
    if (!m) continue;
    let to = r.to;
    r.names.forEach((name, i) => {
      to = to.replace(name === 'splat' ? ':splat' : `:${name}`, m[i + 1] ?? '');
    });
    return { status: r.status, location: to };
  }
  return null;
}

/** What Netlify's functions get besides the request, as far as a local runner knows it. */
function contextFor(req, request) {
  const pending = [];
  return {
    ip: req.socket.remoteAddress ?? '',
    geo: {},
    site: { id: 'local', name: 'local', url: `http://${host}:${port}` },
    deploy: { id: 'local', context: 'dev', published: false },
    account: { id: 'local' },
    server: { region: 'local' },
    requestId: Math.random().toString(36).slice(2),
    params: {},
    cookies: requestCookies(request),
    waitUntil: (promise) => pending.push(Promise.resolve(promise).catch(() => {})),
    next: async () => new Response('Not Found', { status: 404 }),
  };
}

/** `context.cookies.get(name)` over the request's Cookie header (set/delete are no-ops). */
function requestCookies(request) {
  const jar = new Map();
  for (const pair of (request.headers.get('cookie') ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at > 0) jar.set(pair.slice(0, at).trim(), decodeURIComponent(pair.slice(at + 1).trim()));
  }
  return { get: (name) => jar.get(name), set() {}, delete() {} };
}

const server = http.createServer(async (req, res) => {
  const path = req.url.split('?')[0];
  const found =
    (req.method === 'GET' || req.method === 'HEAD') &&
    (await staticFile(publish, req.url, { htmlExtension: true }));
  const redirect = redirectFor(path, Boolean(found));
  if (redirect) {
    res.writeHead(redirect.status, { location: redirect.location });
    return res.end();
  }
  if (found) return sendFile(req, res, found);
  if (!fn) {
    const notFound = await staticFile(publish, '/404.html');
    if (notFound) return sendFile(req, res, notFound, 404);
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
    return res.end('Not Found\n');
  }
  try {
    await callWebHandler(req, res, (request) => fn(request, contextFor(req, request)));
  } catch (err) {
    handlerFailed(err, res);
  }
});
server.listen(port, host, () => console.log(`netlify runner (ours) listening on http://${host}:${port}`));
