// Test-only: copied into a copy of fixtures/bench-routes as src/middleware.ts, it makes
// each on-demand request cost a known fraction more CPU than it does without it.
//
// ASTRO_CONFORM_BURN_FRACTION in the server's environment is the fraction (0.10: each
// request costs 10% more). The middleware keeps measuring this process's own CPU time per
// request over windows of requests (burns taken out), and after each response burns that
// fraction of it as a fixed amount of work, so a server that shares its core with another
// still burns exactly that much CPU. Unset or 0: nothing is measured or burned,
// so A and B can run the same build. Prerendered pages are served from disk without
// middleware and are never slowed.
import { defineMiddleware } from 'astro:middleware';

const fraction = Number(globalThis.process?.env?.ASTRO_CONFORM_BURN_FRACTION ?? 0) || 0;
const WINDOW = 50;

const cpuMicros = () => {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
};

// The burn is a fixed amount of register-only work, with no system calls (which would
// slow the render around them too). Its speed is taken once: the fastest of short timed
// samples, since a sample that lost the core for a moment can only look slower.
let sink = 0;
const spin = (iterations: number) => {
  let x = sink;
  for (let i = 0; i < iterations; i++) x = (x * 31 + i) | 0;
  sink = x;
};
let perMicro = 0;
const burn = (micros: number) => {
  if (perMicro === 0) {
    spin(2_000_000);
    for (let k = 0; k < 30; k++) {
      const start = performance.now();
      spin(100_000);
      perMicro = Math.max(perMicro, 100_000 / ((performance.now() - start) * 1000));
    }
  }
  spin(Math.round(micros * perMicro));
  return micros;
};

let seen = 0;
let windows = 0;
let burned = 0;
let windowStart = fraction > 0 ? cpuMicros() : 0;
let perRequest = 0;

export const onRequest = defineMiddleware(async (_context, next) => {
  const response = await next();
  if (fraction > 0) {
    if (perRequest > 0) burned += burn(fraction * perRequest);
    seen += 1;
    if (seen === WINDOW) {
      const now = cpuMicros();
      // The first window carries the server's one-time costs (loading, first compiles).
      if (windows > 0) perRequest = (now - windowStart - burned) / WINDOW;
      windows += 1;
      windowStart = now;
      seen = 0;
      burned = 0;
    }
  }
  return response;
});
