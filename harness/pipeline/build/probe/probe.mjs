// astro-conform probe integration: records Astro's own per-route decisions.
//
// Added to every build by the harness. It writes a JSON report to `out` (default: the path
// in ASTRO_CONFORM_PROBE_OUT) after each hook, so a build that fails part-way still
// leaves what Astro had decided by then. The npm package's integration (`conform()`)
// runs this same probe inside a site's own `astro build`.
//
// It also adds a Vite plugin that records, for every file a bundle writes, its name with
// the content hash replaced by `[hash]`: learned from the bundler's own file-name pattern,
// so listings redact exactly the hashes and nothing else.
import { writeFileSync } from 'node:fs';
import { basename, extname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export default function astroConformProbe({ out = process.env.ASTRO_CONFORM_PROBE_OUT } = {}) {
  const report = {
    output: null,
    adapter: null,
    adapterDeclares: null,
    outDir: null,
    buildFormat: null,
    routes: null,
    build: null,
    hashedNames: {},
  };
  let root = process.cwd();
  const save = () => {
    if (out) writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
  };
  const slash = (p) => '/' + p.split('\\').join('/');
  return {
    name: 'astro-conform-probe',
    hooks: {
      'astro:config:setup': ({ config, updateConfig }) => {
        updateConfig({ vite: { plugins: [hashedNamesPlugin(report.hashedNames, save)] } });
        recordAdapterDeclarations(config.adapter, (declared) => {
          report.adapterDeclares = declared;
          save();
        });
      },
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

// What the adapter declares to Astro when it calls setAdapter() in its own
// astro:config:done: the features it supports (supportedAstroFeatures) and those it
// provides (adapterFeatures). Astro keeps them to itself, so the adapter's hook is wrapped,
// before it runs, to see the call; `record` gets them as plain data.
function recordAdapterDeclarations(adapter, record) {
  const hook = adapter?.hooks?.['astro:config:done'];
  if (typeof hook !== 'function') return;
  adapter.hooks['astro:config:done'] = (params) =>
    hook({
      ...params,
      setAdapter(declared) {
        record({
          name: declared?.name ?? null,
          supportedAstroFeatures: plain(declared?.supportedAstroFeatures),
          adapterFeatures: plain(declared?.adapterFeatures),
        });
        return params.setAdapter(declared);
      },
    });
}

// A declaration as JSON: a support level is a string, or an object with `support`.
function plain(features) {
  if (!features || typeof features !== 'object') return {};
  return JSON.parse(JSON.stringify(features));
}

// The Vite (Rollup or Rolldown) plugin: after each bundle, the basename of every file whose
// name pattern has a `[hash]`, mapped to that basename with the hash as `[hash]`.
function hashedNamesPlugin(names, save) {
  return {
    name: 'astro-conform-probe-hashed-names',
    generateBundle(options, bundle) {
      for (const file of Object.values(bundle)) {
        const redacted = fileNamePatterns(options, file)
          .map((pattern) => redactHash(pattern, file.fileName))
          .find((name) => name);
        if (redacted && redacted !== file.fileName) {
          names[basename(file.fileName)] = basename(redacted);
        }
      }
      save();
    },
  };
}

// The patterns the bundler may have named `file` by, each a string or a function of the
// file's info. A chunk's own entry flag is not enough: Rolldown names some emitted entry
// chunks by chunkFileNames. A pattern is used only where it matches the whole name.
function fileNamePatterns(options, file) {
  const candidates =
    file.type === 'asset'
      ? [options.assetFileNames]
      : file.isEntry
        ? [options.entryFileNames, options.chunkFileNames]
        : [options.chunkFileNames, options.entryFileNames];
  return candidates.map((option) => {
    try {
      return typeof option === 'function' ? option(file) : option;
    } catch {
      return null;
    }
  });
}

// `fileName` with the part the pattern's `[hash]` (or `[hash:N]`) stands for replaced by
// `[hash]`; null when the pattern has no hash or does not match. The hash has a fixed
// length (8 unless the pattern says), so a name around it cannot shift it.
export function redactHash(pattern, fileName) {
  if (typeof pattern !== 'string' || !pattern.includes('[hash')) return null;
  const ext = extname(fileName);
  const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const parts = pattern.split(/(\[[a-zA-Z]+(?::\d+)?\])/);
  const source = parts
    .map((part, i) => {
      if (i % 2 === 0) return escape(part);
      const [, token, size] = part.match(/^\[([a-zA-Z]+)(?::(\d+))?\]$/);
      switch (token) {
        case 'hash':
          return `([^/]{${size ?? 8}})`;
        case 'name':
          return '(?:.*)';
        case 'extname':
          return escape(ext);
        case 'ext':
          return escape(ext.slice(1));
        default:
          return '(?:[^/]*)';
      }
    })
    .join('');
  const match = new RegExp(`^${source}$`, 'd').exec(fileName);
  if (!match) return null;
  let out = fileName;
  for (let g = match.length - 1; g >= 1; g--) {
    const [start, end] = match.indices[g];
    out = out.slice(0, start) + '[hash]' + out.slice(end);
  }
  return out;
}
