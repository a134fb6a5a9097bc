// Launcher for an @deno/astro-adapter build (ours, part of astro-conform).
//
// Usage: HOST=127.0.0.1 PORT=4321 deno run --allow-net --allow-read --allow-env \
//          deno-port.js <absolute path of dist/server/entry.mjs>
//
// The adapter bakes its port and hostname into the build (options `port`, `hostname`).
// astro-conform picks a free port per server at run time, so this launcher wraps
// Deno.serve to listen on HOST:PORT instead, then imports the entry unchanged.
const [entry] = Deno.args;
if (!entry) {
  console.error("usage: deno run ... deno-port.js <dist/server/entry.mjs>");
  Deno.exit(2);
}
const serve = Deno.serve;
Deno.serve = (options, handler) =>
  serve(
    { ...options, port: Number(Deno.env.get("PORT")), hostname: Deno.env.get("HOST") ?? "127.0.0.1" },
    handler,
  );
await import(new URL(`file://${entry}`).href);
