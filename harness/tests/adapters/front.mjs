// A deliberately broken front for the @astrojs/node standalone server: test-only.
//
// Usage: HOST=127.0.0.1 PORT=<port> node front.mjs <mutation> <dist/server/entry.mjs>
//
// It listens on HOST:PORT, starts the real server on a port the kernel picks and, once that
// answers, forwards every request to it (Host header and body unchanged), breaking
// the responses in one way:
//   passthrough         nothing (the control: every check must pass through it)
//   buffer-stream       holds the whole body back and sends it at once, complete
//   merge-cookies       joins all Set-Cookie lines into one, as headers.entries() would
//   redirect-200        answers every 3xx with 200 OK and no Location
//   trailing-slash-404  answers 404 for any path ending in "/" other than "/" itself
//   head-405            answers every HEAD request with 405 Method Not Allowed
//   error-200           answers every 5xx with 200 OK (an error page that looks like a page)
//   drop-query          forwards the path without its query string
//   drop-body           forwards a request without its body (and says it has none)
//   drop-cookies        forwards a request without its Cookie header
//   method-get          forwards every request other than HEAD as a GET, without its body
//   first-cookie        forwards only the first cookie of the Cookie header
//   first-query-value   forwards only the first value of a repeated query key
//   location-drop-query answers a redirect with its Location's query removed
//   files-404           answers 404 for the files under /_astro/ (scripts, styles, islands)
//   hide-client         connects to the server from 127.0.0.2, as a proxy that does not pass
//                       the client's address on
//   actions-404         answers 404 for action calls (/_actions/… and a form's ?_action=)
//   drop-session-cookie forwards a request without its astro-session cookie
//   drop-forwarded      forwards a request without its X-Forwarded-* headers, as a proxy
//                       that does not say what it answers for
//   drop-csp            answers without the Content-Security-Policy header
// The child server shares this process group, so the harness stops both together.
import { spawn } from 'node:child_process';
import http from 'node:http';

const [mutation, entry] = process.argv.slice(2);
const MUTATIONS = [
  'passthrough',
  'buffer-stream',
  'merge-cookies',
  'redirect-200',
  'trailing-slash-404',
  'head-405',
  'error-200',
  'drop-query',
  'drop-body',
  'drop-cookies',
  'method-get',
  'first-cookie',
  'first-query-value',
  'location-drop-query',
  'files-404',
  'hide-client',
  'actions-404',
  'drop-session-cookie',
  'drop-forwarded',
  'drop-csp',
];
if (!MUTATIONS.includes(mutation) || !entry) {
  console.error(`usage: node front.mjs <${MUTATIONS.join('|')}> <entry.mjs>`);
  process.exit(2);
}
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding']);

/**
 * Starts the real server on a port the kernel picks (PORT=0) and resolves with that port
 * once the server says it listens: a port chosen first and bound later could be taken in
 * between by another server, which would then answer in this one's place.
 */
function startUpstream() {
  const child = spawn(process.execPath, [entry], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.on('exit', (code) => process.exit(code ?? 1));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the server did not listen within 30 s')), 30_000);
    let seen = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      seen += chunk;
      const listening = /Server listening on https?:\/\/[^\s]*:(\d+)/.exec(seen);
      if (listening) {
        clearTimeout(timer);
        resolve(Number(listening[1]));
      }
    });
  });
}

/** The upstream's header lines after the mutation, as [name, value] pairs. */
function headerPairs(upstream) {
  const pairs = [];
  for (let i = 0; i < upstream.rawHeaders.length; i += 2) {
    const name = upstream.rawHeaders[i];
    if (!HOP_BY_HOP.has(name.toLowerCase())) pairs.push([name, upstream.rawHeaders[i + 1]]);
  }
  if (mutation === 'drop-csp') return pairs.filter(([n]) => n.toLowerCase() !== 'content-security-policy');
  if (mutation === 'merge-cookies') {
    const cookies = pairs.filter(([n]) => n.toLowerCase() === 'set-cookie').map(([, v]) => v);
    const rest = pairs.filter(([n]) => n.toLowerCase() !== 'set-cookie');
    if (cookies.length) rest.push(['Set-Cookie', cookies.join(', ')]);
    return rest;
  }
  if (mutation === 'redirect-200' && upstream.statusCode >= 300 && upstream.statusCode < 400) {
    return pairs.filter(([n]) => n.toLowerCase() !== 'location');
  }
  if (mutation === 'location-drop-query') {
    return pairs.map(([n, v]) => (n.toLowerCase() === 'location' ? [n, v.split('?')[0]] : [n, v]));
  }
  return pairs;
}

/** `url` with only the first value of each query key (the rest of a repeated key dropped). */
function firstValues(url) {
  const [path, query] = url.split(/\?(.*)/s);
  if (query === undefined) return url;
  const seen = new Set();
  const kept = query.split('&').filter((pair) => {
    const key = pair.split('=')[0];
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return `${path}?${kept.join('&')}`;
}

function forward(upstreamPort, req, res) {
  const path = req.url.split('?')[0];
  if (mutation === 'trailing-slash-404' && path.length > 1 && path.endsWith('/')) {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found (trailing slash)');
    return;
  }
  if (mutation === 'head-405' && req.method === 'HEAD') {
    req.resume();
    res.writeHead(405, { allow: 'GET, POST' }).end();
    return;
  }
  const actionCall = path.startsWith('/_actions/') || /[?&]_action=/.test(req.url);
  if (mutation === 'actions-404' && actionCall) {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found (actions)');
    return;
  }
  if (mutation === 'files-404' && path.startsWith('/_astro/')) {
    req.resume();
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found (files)');
    return;
  }
  const headers = { ...req.headers };
  if (mutation === 'drop-cookies') delete headers.cookie;
  if (mutation === 'first-cookie' && headers.cookie) headers.cookie = headers.cookie.split(';')[0];
  if (mutation === 'drop-session-cookie' && headers.cookie) {
    headers.cookie = headers.cookie
      .split(';')
      .filter((pair) => pair.trim().split('=')[0] !== 'astro-session')
      .join(';');
  }
  if (mutation === 'drop-forwarded') {
    for (const name of Object.keys(headers)) {
      if (name.startsWith('x-forwarded-')) delete headers[name];
    }
  }
  const asGet = mutation === 'method-get' && req.method !== 'HEAD';
  const dropBody = mutation === 'drop-body' || asGet;
  if (dropBody) {
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    headers['content-length'] = '0';
  }
  const target = mutation === 'drop-query' ? path : mutation === 'first-query-value' ? firstValues(req.url) : req.url;
  const out = http.request(
    {
      host: '127.0.0.1',
      port: upstreamPort,
      method: asGet ? 'GET' : req.method,
      path: target,
      headers,
      ...(mutation === 'hide-client' ? { localAddress: '127.0.0.2' } : {}),
    },
    (upstream) => {
      let status = upstream.statusCode;
      let reason = upstream.statusMessage;
      if (mutation === 'redirect-200' && status >= 300 && status < 400) [status, reason] = [200, 'OK'];
      if (mutation === 'error-200' && status >= 500) [status, reason] = [200, 'OK'];
      const flat = headerPairs(upstream).flat();
      if (mutation === 'buffer-stream') {
        const chunks = [];
        const send = () => {
          const body = Buffer.concat(chunks);
          res.writeHead(status, reason, [...flat, 'Content-Length', String(body.length)]);
          res.end(body);
        };
        upstream.on('data', (c) => chunks.push(c));
        upstream.on('end', send);
        upstream.on('aborted', send);
        upstream.on('error', () => {});
        return;
      }
      res.writeHead(status, reason, flat);
      res.flushHeaders();
      upstream.on('data', (c) => res.write(c));
      upstream.on('end', () => res.end());
      // An aborted upstream body stays aborted downstream.
      upstream.on('aborted', () => res.destroy());
      upstream.on('error', () => res.destroy());
    },
  );
  out.on('error', (e) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`front: ${e.message}`);
    else res.destroy();
  });
  if (dropBody) {
    req.resume();
    out.end();
  } else {
    req.pipe(out);
  }
}

// Listen first, so the port the harness chose is held from the start; requests wait
// until the real server answers.
let upstreamPort;
const ready = startUpstream().then((port) => {
  upstreamPort = port;
});
http
  .createServer((req, res) =>
    ready.then(
      () => forward(upstreamPort, req, res),
      (e) => res.writeHead(502, { 'content-type': 'text/plain' }).end(`front: ${e.message}`),
    ),
  )
  .listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () =>
    console.log(`front (${mutation}) on ${process.env.HOST}:${process.env.PORT}`),
  );
