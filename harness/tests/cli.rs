//! The `astro-conform` binary end to end: `classify` on projects it has never seen, and
//! the errors a user gets for bad input.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn astro_conform(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_astro-conform"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("the binary runs")
}

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

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (path, body) in files {
        let p = root.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, body).unwrap();
    }
}

/// A project unlike the fixtures: it brings its own adapter, uses a rest parameter, a
/// prerendered JSON endpoint and a computed flag.
fn unseen_server_project(root: &Path) {
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
    let dir = tempfile::tempdir().unwrap();
    unseen_server_project(dir.path());
    let project = dir.path().to_str().unwrap();
    for stack in ["astro5", "astro7"] {
        let out = classify_fresh(dir.path(), stack);
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{stack}: {stderr}");
        assert_eq!(stdout, UNSEEN_LISTING, "{stack}");
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
        "▶ src/pages/index.astro\n  └─ /index.html\nλ src/pages/live.astro\n"
    );
}

#[test]
fn a_failing_build_shows_the_tail_of_astros_log() {
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

#[test]
fn a_folder_that_is_not_an_astro_project_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("README.md", "not astro\n")]);
    let out = astro_conform(&["classify", dir.path().to_str().unwrap()], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("is not an Astro project"), "{stderr}");
}

#[test]
fn an_unknown_stack_is_named_with_the_known_ones() {
    let out = astro_conform(
        &["classify", "fixtures/blog-static", "--stack", "astro9"],
        &[],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr.contains("unknown stack `astro9`; known stacks: astro5, astro6, astro7"),
        "{stderr}"
    );
}

#[test]
fn missing_node_and_npm_are_reported() {
    let empty = tempfile::tempdir().unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/blog-static");
    let out = astro_conform(
        &["classify", fixture],
        &[("PATH", empty.path().to_str().unwrap())],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("`node` was not found on PATH"), "{stderr}");
}

#[test]
fn an_unreachable_registry_fails_clearly_and_caches_nothing() {
    let cache = tempfile::tempdir().unwrap();
    let npm_cache = cache.path().join("npm-own-cache");
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/blog-static");
    let out = astro_conform(
        &["classify", fixture, "--stack", "astro5"],
        &[
            ("ASTRO_CONFORM_CACHE", cache.path().to_str().unwrap()),
            ("npm_config_registry", "http://127.0.0.1:9/"),
            ("npm_config_cache", npm_cache.to_str().unwrap()),
            ("npm_config_fetch_retries", "0"),
            ("npm_config_offline", "false"),
        ],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("`npm ci` for stack `astro5` failed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("could not reach the package registry"),
        "{stderr}"
    );
    // Only the lock file and the log are left: no half-installed entry.
    let left: Vec<String> = fs::read_dir(cache.path().join("npm"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn run_list_builds_nothing_and_filters() {
    let cache = tempfile::tempdir().unwrap();
    let out = astro_conform(
        &["run", "--list", "astro5/none/"],
        &[("ASTRO_CONFORM_CACHE", cache.path().to_str().unwrap())],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.lines().all(|l| l.starts_with("astro5/none/")),
        "{stdout}"
    );
    assert!(
        stdout.contains("astro5/none/no-adapter-server/build-error\n"),
        "{stdout}"
    );
    assert_eq!(
        fs::read_dir(cache.path()).unwrap().count(),
        0,
        "listing wrote to the cache"
    );
}

#[test]
fn a_lockfile_out_of_sync_fails_with_the_relock_hint_and_caches_nothing() {
    use astro_conform::pipeline::install::stack::{self, Stack, StackError, Tools};
    let dir = tempfile::Builder::new()
        .prefix("stale-stack-")
        .tempdir()
        .unwrap();
    let name = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let toolchain = Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks/toolchains/node22");
    fs::copy(
        toolchain.join("package-lock.json"),
        dir.path().join("package-lock.json"),
    )
    .unwrap();
    fs::write(
        dir.path().join("package.json"),
        r#"{ "name": "stale", "private": true, "dependencies": { "is-number": "7.0.0" } }"#,
    )
    .unwrap();
    let stack = Stack::load(dir.path()).unwrap();
    let err = stack::install(&stack, &Tools::from_env().unwrap(), &|_| {}).unwrap_err();
    assert!(matches!(err, StackError::InstallFailed { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("node stacks/relock.mjs"), "{msg}");
    assert!(msg.contains("last lines of"), "{msg}");
    let npm_root = astro_conform::paths::cache_dir().join("npm");
    let half_made = fs::read_dir(npm_root)
        .unwrap()
        .flatten()
        .any(|e| e.path().is_dir() && e.file_name().to_string_lossy().starts_with(&name));
    assert!(!half_made, "a failed install left a cache entry");
    // The lock and the npm log stay for a user to read; this test's own are removed.
    for entry in fs::read_dir(astro_conform::paths::cache_dir().join("npm"))
        .unwrap()
        .flatten()
    {
        if entry.file_name().to_string_lossy().starts_with(&name) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Process ids whose command line mentions `needle`.
fn processes_mentioning(needle: &str) -> Vec<u32> {
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).contains(needle))
                .unwrap_or(false)
        })
        .collect()
}

#[test]
fn ctrl_c_during_a_build_leaves_no_process_behind() {
    let dir = tempfile::Builder::new()
        .prefix("interrupt-me-")
        .tempdir()
        .unwrap();
    let label = dir
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    unseen_server_project(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_astro-conform"))
        .args([
            "classify",
            dir.path().to_str().unwrap(),
            "--stack",
            "astro5",
            "--rebuild",
        ])
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Wait until `astro build` runs (its workdir is named after the project folder).
    let started = (0..300).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        processes_mentioning(&format!("astro-conform-{label}"))
            .iter()
            .any(|&pid| pid != child.id())
    });
    assert!(started, "astro build never started");
    // SAFETY: sending SIGINT to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "interrupted runs exit with 130");
    std::thread::sleep(std::time::Duration::from_millis(200));
    let left = processes_mentioning(&format!("astro-conform-{label}"));
    assert!(left.is_empty(), "processes survived Ctrl-C: {left:?}");
}

#[test]
fn explain_predicts_says_why_and_lints_with_codes_lines_and_fixes() {
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
    assert_eq!(missing.status.code(), Some(1));
    assert!(text(&missing).1.contains("is not an Astro project"));
}

#[test]
fn an_unknown_adapter_is_named_with_the_known_ones() {
    let out = astro_conform(&["run", "--adapter", "nodee", "--list"], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("unknown adapter `nodee`"), "{stderr}");
    assert!(
        stderr.contains("cloudflare, deno, node, node-bun"),
        "{stderr}"
    );
}

#[test]
fn a_bad_profile_names_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let node = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/adapters/node.toml"))
        .unwrap();
    write(
        dir.path(),
        &[("mine.toml", &node.replace("[serve]", "[serve]\nport = 1"))],
    );
    let profile = dir.path().join("mine.toml");
    let out = astro_conform(
        &["run", "--adapter", profile.to_str().unwrap(), "--list"],
        &[],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("mine.toml:"), "{stderr}");
    assert!(stderr.contains("unknown field `port`"), "{stderr}");
}

#[test]
fn a_profile_without_its_lockfile_says_how_to_make_one() {
    let dir = tempfile::tempdir().unwrap();
    let node = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/adapters/node.toml"))
        .unwrap();
    write(
        dir.path(),
        &[(
            "mine.toml",
            &format!("{node}\n[packages]\nleft-pad = \"1.3.0\"\n"),
        )],
    );
    let profile = dir.path().join("mine.toml");
    let out = astro_conform(
        &[
            "run",
            "--adapter",
            profile.to_str().unwrap(),
            "--stack",
            "astro5",
            "--report-dir",
            dir.path().join("report").to_str().unwrap(),
            "blog-static/routes",
            "server-app/routes",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("FAIL") && stderr.contains("has no lockfile for stack `astro5`"),
        "{stdout}{stderr}"
    );
    assert!(stderr.contains("astro-conform lock"), "{stderr}");
    for report in ["matrix.json", "junit.xml", "matrix.md"] {
        assert!(dir.path().join("report").join(report).is_file(), "{report}");
    }
}

#[test]
fn adapters_lists_every_profile_with_its_stacks() {
    let out = astro_conform(&["adapters"], &[]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    for name in [
        "node ",
        "node-middleware",
        "node-bun",
        "cloudflare",
        "vercel",
        "deno",
        "bun-community",
    ] {
        assert!(stdout.contains(name), "{name} missing:\n{stdout}");
    }
    assert!(stdout.contains("runner: ours"), "{stdout}");
}

#[test]
fn bench_and_load_refuse_bad_input_before_measuring() {
    for (args, expected) in [
        (
            &["bench", "--ab", "astro5", "astro7"][..],
            "is not a variant",
        ),
        (
            &["bench", "--ab", "env.=1", "stack=astro7"][..],
            "is not a variant",
        ),
        (
            &[
                "bench",
                "--ab",
                "stack=astro7",
                "stack=astro7",
                "--min-forks",
                "1",
            ][..],
            "--min-forks at least 2",
        ),
        (
            &[
                "bench",
                "--ab",
                "stack=astro7",
                "stack=astro7",
                "--min-forks",
                "5",
                "--max-forks",
                "4",
            ][..],
            "--max-forks must be at least --min-forks",
        ),
        (
            &["bench", "--compare", "never-saved"][..],
            "there is no baseline `never-saved`",
        ),
        (
            &["bench", "--save", "../escape"][..],
            "is not a baseline name",
        ),
        (
            &["bench", "--route", "nope", "--stack", "astro7"][..],
            "no route named `nope`",
        ),
        (&["load", "127.0.0.1:1/"][..], "it needs a scheme"),
        (
            &["load", "http://127.0.0.1:1/", "-H", "bad header: x"][..],
            "not a valid",
        ),
    ] {
        let out = astro_conform(args, &[]);
        let (_, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
