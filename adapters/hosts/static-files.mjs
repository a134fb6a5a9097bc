// Static file serving shared by our hosts (node-middleware.mjs, vercel.mjs, netlify.mjs): part of
// astro-conform, not of any adapter.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.map': 'application/json', '.txt': 'text/plain; charset=utf-8',
  '.xml': 'application/xml', '.svg': 'image/svg+xml', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.avif': 'image/avif',
  '.ico': 'image/x-icon', '.woff': 'font/woff', '.woff2': 'font/woff2', '.wasm': 'application/wasm',
};

/**
 * The regular file under `root` for a request path, or null: `/x/` -> x/index.html;
 * `/x` -> x, then x/index.html (then x.html with `{ htmlExtension: true }`, as Netlify
 * serves `about.html` at /about). Malformed escapes, NUL bytes and paths that would leave
 * `root` find nothing.
 */
export async function staticFile(root, url, { htmlExtension = false } = {}) {
  let path;
  try {
    path = decodeURIComponent(url.split('?')[0]);
  } catch {
    return null;
  }
  if (!path.startsWith('/') || path.includes('\0')) return null;
  const candidates = path.endsWith('/') ? [path + 'index.html'] : [path, path + '/index.html'];
  if (htmlExtension && !path.endsWith('/')) candidates.push(path + '.html');
  for (const candidate of candidates) {
    const file = resolve(root, '.' + candidate);
    if (!file.startsWith(root + sep)) continue;
    const info = await stat(file).catch(() => null);
    if (info?.isFile()) return { file, size: info.size };
  }
  return null;
}

/** Answers with a file found by staticFile (no body for HEAD). */
export function sendFile(req, res, { file, size }, status = 200) {
  const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(status, { 'content-type': type, 'content-length': size });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}
