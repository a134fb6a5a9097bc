// astro-conform probe integration: records Astro's own per-route decisions.
//
// Added to every build by the harness. It writes a JSON report to the path in
// ASTRO_CONFORM_PROBE_OUT after each hook, so a build that fails part-way still
// leaves what Astro had decided by then.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function astroConformProbe() {
  const out = process.env.ASTRO_CONFORM_PROBE_OUT;
  const report = { output: null, adapter: null, outDir: null, buildFormat: null, routes: null, build: null };
  let root = process.cwd();
  const save = () => {
    if (out) writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  };
  const slash = (p) => '/' + p.split('\\').join('/');
  return {
    name: 'astro-conform-probe',
    hooks: {
      'astro:config:done': ({ config }) => {
        root = fileURLToPath(config.root);
        report.output = config.output ?? null;
        report.adapter = config.adapter?.name ?? null;
        report.outDir = relative(root, fileURLToPath(config.outDir));
        // After every integration's updateConfig: an adapter may override it.
        report.buildFormat = config.build?.format ?? null;
        save();
      },
      'astro:routes:resolved': ({ routes }) => {
        report.routes = routes.map((r) => ({
          entrypoint: r.entrypoint ?? null,
          pattern: r.pattern,
          type: r.type,
          origin: r.origin,
          isPrerendered: r.isPrerendered,
          redirect: r.redirect ?? null,
        }));
        save();
      },
      'astro:build:done': ({ dir, assets }) => {
        const client = fileURLToPath(dir);
        const files = {};
        for (const [pattern, urls] of assets ?? []) {
          files[pattern] = urls.map((u) => slash(relative(client, fileURLToPath(u))));
        }
        report.build = { dir: relative(root, client), files };
        save();
      },
    },
  };
}
