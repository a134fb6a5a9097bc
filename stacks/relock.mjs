#!/usr/bin/env node
// Regenerates a stack's package-lock.json so that `npm ci` accepts it on this machine.
//
// Usage: node stacks/relock.mjs stacks/<name> [stacks/<name> ...]
//
// Why: the registry reachable here lacks some platform builds of native packages
// (e.g. a darwin binary of the newest rollup). npm then leaves those optional
// dependencies out of the lockfile, and `npm ci` refuses the lockfile as "out of sync".
// This script runs `npm install --package-lock-only` and adds an entry for every such
// missing optional dependency, marked optional with the os/cpu/libc its package
// declares (read from the newest version the registry has). npm skips entries that do
// not match the platform, so `npm ci` installs exactly what `npm install` did.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function platformOf(name) {
  const out = JSON.parse(npm(['view', name, 'os', 'cpu', 'libc', '--json'], process.cwd()) || '{}');
  const pick = (k) => (Array.isArray(out[k]) ? out[k] : out[k] ? [out[k]] : undefined);
  return { os: pick('os'), cpu: pick('cpu'), libc: pick('libc') };
}

/** Where npm would look for `dep` required from the package installed at `from`. */
function resolvable(packages, from, dep) {
  let dir = from;
  for (;;) {
    const key = dir ? `${dir}/node_modules/${dep}` : `node_modules/${dep}`;
    if (packages[key]) return true;
    if (!dir) return false;
    const at = dir.lastIndexOf('/node_modules/');
    dir = at < 0 ? '' : dir.slice(0, at);
  }
}

for (const stack of process.argv.slice(2)) {
  npm(['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund'], stack);
  const path = join(stack, 'package-lock.json');
  const lock = JSON.parse(readFileSync(path, 'utf8'));
  const added = [];
  for (const [key, pkg] of Object.entries(lock.packages)) {
    for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
      if (resolvable(lock.packages, key, dep)) continue;
      const entry = { version, optional: true, ...platformOf(dep) };
      for (const k of ['os', 'cpu', 'libc']) if (!entry[k]) delete entry[k];
      lock.packages[key ? `${key}/node_modules/${dep}` : `node_modules/${dep}`] = entry;
      added.push(`${dep}@${version}`);
    }
  }
  const sorted = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)),
  );
  lock.packages = sorted;
  writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
  console.log(`${stack}: ${added.length} optional platform entries added${added.length ? ': ' + added.join(', ') : ''}`);
}
