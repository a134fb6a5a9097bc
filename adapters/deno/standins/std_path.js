// Stand-in for `jsr:@std/path` (^1.1.5), used because the JSR registry is unreachable here.
// @deno/astro-adapter's server entry imports only `fromFileUrl` from it, so that is all we export.
// Written by astro-conform on Deno's own APIs; POSIX paths only, like the real one on Linux.

/** Converts a `file:` URL (string or URL) to an absolute path, as @std/path's fromFileUrl does. */
export function fromFileUrl(url) {
  url = url instanceof URL ? url : new URL(url);
  if (url.protocol !== 'file:') throw new TypeError(`URL must be a file URL: received "${url.protocol}"`);
  return decodeURIComponent(url.pathname);
}
