//! `classify` and `explain` on projects the suite has never seen.

use std::path::Path;
use std::process::Output;

use crate::support::{astro_conform, text, write};

/// `classify --rebuild` of a temp project: nothing of it is left in the build cache.
fn classify_fresh(project: &Path, stack: &str) -> Output {
    astro_conform(
        &[
            "classify",
            project.to_str().unwrap(),
            "--stack",
            stack,
            "--rebuild",
        ],
        &[],
    )
}

/// A project unlike the fixtures: it brings its own adapter, uses a rest parameter, a
/// prerendered JSON endpoint and a computed flag.
pub(super) fn unseen_server_project(root: &Path) {
    write(
        root,
        &[
            (
                "astro.config.mjs",
                "import { defineConfig } from 'astro/config';\nimport node from '@astrojs/node';\n\
                 export default defineConfig({ output: 'server', adapter: node({ mode: 'standalone' }) });\n",
            ),
            (
                "src/pages/index.astro",
                "<h1>{new Date().toISOString()}</h1>\n",
            ),
            (
                "src/pages/docs/[...path].astro",
                "---\nexport const prerender = true;\nexport function getStaticPaths() {\n  \
                 return [{ params: { path: undefined } }, { params: { path: 'a/b' } }];\n}\n---\n<p>{Astro.params.path}</p>\n",
            ),
            (
                "src/pages/data.json.ts",
                "export const prerender = true;\nexport const GET = () => Response.json({ ok: true });\n",
            ),
            (
                "src/pages/computed.astro",
                "---\nexport const prerender = import.meta.env.PROD;\n---\n<p>computed</p>\n",
            ),
        ],
    );
}

const UNSEEN_LISTING: &str = "\
λ src/pages/computed.astro
▶ src/pages/data.json.ts
  └─ /data.json
▶ src/pages/docs/[...path].astro
  ├─ /docs/a/b/index.html
  └─ /docs/index.html
λ src/pages/index.astro
";

#[test]
fn classify_an_unseen_project_on_both_stacks() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    unseen_server_project(dir.path());
    let project = dir.path().to_str().unwrap();
    for stack in ["astro5", "astro7"] {
        let out = classify_fresh(dir.path(), stack);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stack}: {stderr}");
        let (header, listing) = stdout.split_once('\n').unwrap();
        assert!(header.starts_with("# astro "), "{header}");
        assert!(header.ends_with(&format!(" (stack {stack})")), "{header}");
        assert_eq!(listing, UNSEEN_LISTING, "{stack}");
    }
    let out = astro_conform(&["classify", project, "--json", "--rebuild"], &[]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(doc["output"], "server");
    assert_eq!(doc["adapter"], "@astrojs/node");
    let docs = doc["routes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source"] == "src/pages/docs/[...path].astro")
        .unwrap();
    assert_eq!(docs["mode"], "prerendered");
    assert_eq!(docs["pattern"], "/docs/[...path]");
    // The source folder is untouched: no dist, no node_modules, no .astro.
    for output in ["dist", "node_modules", ".astro", ".astro-conform"] {
        assert!(
            !dir.path().join(output).exists(),
            "{output} was written into the project"
        );
    }
}

#[test]
fn classify_a_project_without_config_uses_static_defaults() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("src/pages/index.astro", "<h1>home</h1>\n"),
            (
                "src/pages/live.astro",
                "---\nexport const prerender = false;\n---\n<p>live</p>\n",
            ),
        ],
    );
    let out = classify_fresh(dir.path(), "astro5");
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "# astro 5.18.2 (stack astro5; @astrojs/node added: the config sets no adapter)\n▶ src/pages/index.astro\n  └─ /index.html\nλ src/pages/live.astro\n"
    );
}

#[test]
fn a_failing_build_shows_the_tail_of_astros_log() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            ("astro.config.mjs", "export default {};\n"),
            (
                "src/pages/index.astro",
                "---\nimport Missing from '../components/Missing.astro';\n---\n<Missing />\n",
            ),
        ],
    );
    let out = classify_fresh(dir.path(), "astro5");
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("astro build failed"), "{stderr}");
    assert!(stderr.contains("last lines of the build log"), "{stderr}");
    assert!(
        stderr.contains("Missing.astro"),
        "the log tail names the cause:\n{stderr}"
    );
}

/// A project whose flags and APIs draw every kind of lint.
fn linted_project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[
            (
                "astro.config.mjs",
                "export default {\n  output: 'static',\n};\n",
            ),
            (
                "src/pages/env.astro",
                "---\nexport const prerender = import.meta.env.DEV;\n---\n<p>x</p>\n",
            ),
            (
                "src/pages/me.astro",
                "---\nconst who = Astro.cookies.get('who');\n---\n<p>{who}</p>\n",
            ),
            (
                "src/pages/live/[id].astro",
                "---\nexport const prerender = false;\nexport function getStaticPaths() { return []; }\n---\n<p>{Astro.params.id}</p>\n",
            ),
            ("src/pages/_hidden.astro", "<p>not a route</p>\n"),
        ],
    );
    dir
}

#[test]
fn explain_predicts_says_why_and_lints_with_codes_lines_and_fixes() {
    let _machine = crate::support::shared_machine();
    let dir = linted_project();
    let project = dir.path().to_str().unwrap();
    let out = astro_conform(&["explain", project], &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    for line in [
        "output: static · adapter: none in the config",
        "▶ src/pages/env.astro",
        "`export const prerender = import.meta.env.DEV` at line 2 is not a literal: ignored; output static prerenders by default",
        "λ src/pages/live/[id].astro  flag `false` at line 2",
        "▶ src/pages/me.astro",
        "  └─ /me/index.html",
        "build: fails with NoAdapterInstalled",
        "warning[AC001] src/pages/env.astro:2:",
        "warning[AC002] src/pages/live/[id].astro:3:",
        "error[AC004] src/pages/live/[id].astro:2:",
        "warning[AC003] src/pages/me.astro:2: `Astro.cookies` in a prerendered route",
        "  fix: ",
        "1 error(s), 3 warning(s)",
    ] {
        assert!(stdout.contains(line), "missing {line:?} in:\n{stdout}");
    }
    assert!(!stdout.contains("_hidden"), "{stdout}");
}

#[test]
fn explain_exits_by_severity_and_prints_json() {
    let _machine = crate::support::shared_machine();
    let dir = linted_project();
    let project = dir.path().to_str().unwrap();
    // With an adapter assumed, only warnings remain: exit 0, unless warnings are denied.
    let ok = astro_conform(&["explain", project, "--adapter", "yes"], &[]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok).0);
    let denied = astro_conform(
        &["explain", project, "--adapter", "yes", "--deny-warnings"],
        &[],
    );
    assert_eq!(denied.status.code(), Some(1));

    let json = astro_conform(&["explain", project, "--json"], &[]);
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["build_error"], "NoAdapterInstalled");
    assert_eq!(doc["routes"][1]["mode"], "on-demand");
    let codes: Vec<&str> = doc["lints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["AC001", "AC004", "AC002", "AC003"]);

    let missing = astro_conform(&["explain", "/no/such/dir"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing).1.contains("is not an Astro project"));
}

/// `▶ src` / `λ src` and their markers: what a listing says about each route, without
/// files, reasons or the header.
fn routes_of(listing: &str) -> Vec<String> {
    let mut routes: Vec<String> = listing
        .lines()
        .filter(|l| l.starts_with("▶ ") || l.starts_with("λ "))
        .map(|l| match l.find("  [") {
            // The marker ends at the first `]` followed by a space or the end of the line.
            Some(start) => {
                let bytes = l.as_bytes();
                let end = (start..l.len())
                    .find(|&i| bytes[i] == b']' && bytes.get(i + 1).is_none_or(|b| *b == b' '))
                    .unwrap_or(l.len() - 1);
                l[..=end].to_string()
            }
            None => l.split("  ").next().unwrap_or(l).trim_end().to_string(),
        })
        .collect();
    routes.sort();
    routes
}

#[test]
fn explain_and_classify_list_the_same_routes_and_redirects() {
    let _machine = crate::support::shared_machine();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/config-redirects");
    for all in [false, true] {
        let flag: &[&str] = if all { &["--all-routes"] } else { &[] };
        let explain = astro_conform(
            &[&["explain", fixture, "--adapter", "yes"], flag].concat(),
            &[],
        );
        let classify = astro_conform(&[&["classify", fixture], flag].concat(), &[]);
        let (explained, classified) = (text(&explain).0, text(&classify).0);
        assert!(classify.status.success(), "{}", text(&classify).1);
        let project_routes: Vec<String> = routes_of(&classified)
            .into_iter()
            .filter(|r| !r.contains("[internal "))
            .collect();
        assert_eq!(routes_of(&explained), project_routes, "--all-routes: {all}");
        assert_eq!(
            explained.contains("(redirect /old → /new)"),
            all,
            "{explained}"
        );
    }
}
