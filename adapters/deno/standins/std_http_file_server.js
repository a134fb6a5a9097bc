// Stand-in for `jsr:@std/http/file-server` (^1.1.1), used because the JSR registry is unreachable here.
// @deno/astro-adapter's server entry imports only `serveFile(request, path)` from it; this mirrors the
// parts of the real serveFile the adapter relies on: 404 for a missing path or a directory (the adapter
// then tries its `index.html` fallback), else 200 with the file body, content-type by extension,
// content-length, last-modified and etag, and 304 for a matching If-None-Match.
// Not mirrored: Range requests (206/416), If-Modified-Since, the real etag algorithm.
// Written by astro-conform on Deno's own APIs (Deno.stat, Deno.open).

const TYPES = {
  '.html': 'text/html; charset=UTF-8', '.css': 'text/css; charset=UTF-8',
  '.js': 'text/javascript; charset=UTF-8', '.mjs': 'text/javascript; charset=UTF-8',
  '.json': 'application/json; charset=UTF-8', '.txt': 'text/plain; charset=UTF-8',
  '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif',
  '.ico': 'image/vnd.microsoft.icon', '.woff': 'font/woff', '.woff2': 'font/woff2', '.wasm': 'application/wasm',
};

export async function serveFile(req, filePath) {
  let info;
  try {
    info = await Deno.stat(filePath);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (!info || info.isDirectory) {
    await req.body?.cancel();
    return new Response('Not Found', { status: 404, statusText: 'Not Found' });
  }
  const headers = new Headers();
  const ext = filePath.slice(filePath.lastIndexOf('.')).toLowerCase();
  if (TYPES[ext]) headers.set('content-type', TYPES[ext]);
  if (info.mtime) {
    headers.set('last-modified', info.mtime.toUTCString());
    const etag = `W/"${info.size.toString(16)}-${info.mtime.getTime().toString(16)}"`;
    headers.set('etag', etag);
    const inm = req.headers.get('if-none-match');
    if (inm && inm.split(/\s*,\s*/).some((t) => t === etag || t === '*')) {
      return new Response(null, { status: 304, statusText: 'Not Modified', headers });
    }
  }
  headers.set('content-length', String(info.size));
  const file = await Deno.open(filePath, { read: true });
  return new Response(file.readable, { status: 200, headers });
}
