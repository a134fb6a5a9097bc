// Test-only: added to a copy of fixtures/bench-routes as src/middleware.ts, it makes every
// on-demand request about 25% slower: after the page has rendered (body read to the end),
// it burns CPU for half the time the render took. With Node's own HTTP work per request
// that costs the cookie page and the JSON endpoint 0.80–0.83× their req/s (0.70× for the
// 1,000-item list). Prerendered pages are served from disk without middleware, so they
// are not slowed.
import { defineMiddleware } from 'astro:middleware';

export const onRequest = defineMiddleware(async (_context, next) => {
  const start = performance.now();
  const response = await next();
  const body = await response.arrayBuffer();
  const until = performance.now() + (performance.now() - start) / 2;
  while (performance.now() < until) {
    // burn
  }
  return new Response(body, response);
});
