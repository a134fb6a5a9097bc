#!/usr/bin/env node
// Host server for an @astrojs/node build made with `mode: 'middleware'` (ours, part of
// astro-conform; not shipped by Astro).
//
// Usage: HOST=127.0.0.1 PORT=4321 node node-middleware.mjs <project-dir>
//
// In middleware mode the adapter only exports `handler(req, res, next)` from
// dist/server/entry.mjs; serving the prerendered pages and assets in dist/client is the
// host's job. So this server first answers GET/HEAD from dist/client, then hands the
// request to `handler`, whose `next` answers a plain 404 (no route) or 500 (an error).
import http from 'node:http';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sendFile, staticFile } from './static-files.mjs';

const project = process.argv[2];
if (!project) {
  console.error('usage: node node-middleware.mjs <project-dir>');
  process.exit(2);
}
const root = resolve(project, 'dist/client');
const { handler } = await import(pathToFileURL(resolve(project, 'dist/server/entry.mjs')).href);
const host = process.env.HOST || '127.0.0.1';
const port = Number(process.env.PORT || 4321);

const server = http.createServer(async (req, res) => {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const found = await staticFile(root, req.url);
    if (found) return sendFile(req, res, found);
  }
  // Called by the handler when Astro has no route for the request (or with an error).
  const next = (err) => {
    if (err) console.error(err);
    if (res.headersSent) return res.destroy();
    res.writeHead(err ? 500 : 404, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(err ? 'Internal Server Error\n' : 'Not Found\n');
  };
  Promise.resolve(handler(req, res, next)).catch(next);
});
server.listen(port, host, () => console.log(`node-middleware host listening on http://${host}:${port}`));
