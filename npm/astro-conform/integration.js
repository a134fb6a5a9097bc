// The Astro integration: `integrations: [conform()]` prints the ▶/λ listing at the end of
// the site's own `astro build`, and fails the build when a route's mode differs from the
// site's astro-conform.toml `[routes]`. The decisions come from the same probe the
// harness adds to its own builds; the binary renders and checks them (`listing`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { binaryPath } from './lib/binary.js';
import astroConformProbe from './probe.mjs';

/**
 * @param {{ check?: boolean, allRoutes?: boolean }} [options]
 *   check (default true): fail the build when a route's mode differs from `[routes]`;
 *   allRoutes: also list injected routes and config redirects.
 */
export default function conform({ check = true, allRoutes = false } = {}) {
  let probe = null;
  let reportDir = null;
  let root = process.cwd();
  const forward = (hook) => (params) => probe?.hooks[hook]?.(params);
  return {
    name: 'astro-conform',
    hooks: {
      'astro:config:setup': (params) => {
        // In astro-conform's own builds (check, classify) its probe records the decisions.
        if (params.command !== 'build' || process.env.ASTRO_CONFORM_PROBE_OUT) return;
        reportDir = mkdtempSync(join(tmpdir(), 'astro-conform-'));
        probe = astroConformProbe({ out: join(reportDir, 'probe.json') });
        return probe.hooks['astro:config:setup'](params);
      },
      'astro:config:done': (params) => {
        root = fileURLToPath(params.config.root);
        return forward('astro:config:done')(params);
      },
      'astro:routes:resolved': forward('astro:routes:resolved'),
      'astro:build:done': async (params) => {
        if (!probe) return;
        await probe.hooks['astro:build:done'](params);
        const args = ['listing', root, '--probe-report', join(reportDir, 'probe.json')];
        if (allRoutes) args.push('--all-routes');
        const result = spawnSync(binaryPath(), args, { encoding: 'utf8' });
        rmSync(reportDir, { recursive: true, force: true });
        if (result.error) throw new Error(`astro-conform: ${result.error.message}`);
        params.logger.info('▶ prerendered, λ on demand:');
        process.stdout.write(result.stdout);
        if (result.status === 0) return;
        const message = result.stderr.trim();
        if (result.status === 1 && !check) {
          params.logger.warn(message);
          return;
        }
        const error = new Error(
          result.status === 1
            ? `a route's mode differs from astro-conform.toml [routes]:\n${message}`
            : `astro-conform failed (exit ${result.status}):\n${message}`,
        );
        // The message says it all; a stack into this file would only hide it.
        error.stack = error.message;
        throw error;
      },
    },
  };
}
