//! `run` and `adapters`: listing, profiles, and Ctrl-C.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::classify::unseen_server_project;
use crate::support::{astro_conform, outside_fixtures, processes_mentioning, text, write};

#[test]
fn run_list_builds_nothing_and_filters() {
    let _machine = crate::support::shared_machine();
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
fn ctrl_c_during_a_build_leaves_no_process_behind() {
    let _machine = crate::support::shared_machine();
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
    let started = (0..6000).any(|_| {
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
fn an_unknown_adapter_is_named_with_the_known_ones() {
    let _machine = crate::support::shared_machine();
    let out = astro_conform(&["run", "--adapter", "nodee", "--list"], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("unknown adapter `nodee`"), "{stderr}");
    assert!(
        stderr.contains("cloudflare, deno, node, node-bun"),
        "{stderr}"
    );
}

/// `adapters/node.toml`, edited, written as `dir/mine.toml`.
fn node_profile_edited(dir: &Path, edit: impl Fn(&str) -> String) -> PathBuf {
    let node =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/adapters/node.toml")).unwrap();
    write(dir, &[("mine.toml", &edit(&node))]);
    dir.join("mine.toml")
}

/// `run --adapter PROFILE --stack STACK --report-dir DIR/report FILTER...` with `env`.
fn run_profile(
    profile: &Path,
    stack: &str,
    dir: &Path,
    filters: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let report = dir.join("report");
    let mut args = vec![
        "run",
        "--adapter",
        profile.to_str().unwrap(),
        "--stack",
        stack,
        "--report-dir",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(filters);
    astro_conform(&args, env)
}

#[test]
fn a_bad_profile_names_file_line_and_key() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let profile = node_profile_edited(dir.path(), |node| {
        node.replace("[serve]", "[serve]\nport = 1")
    });
    let out = astro_conform(
        &["run", "--adapter", profile.to_str().unwrap(), "--list"],
        &[],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr.contains("mine.toml:"), "{stderr}");
    assert!(stderr.contains("unknown field `port`"), "{stderr}");
    // The line itself, with a caret under the key.
    assert!(stderr.contains(" | port = 1\n"), "{stderr}");
    assert!(stderr.contains(" | ^"), "{stderr}");
}

#[test]
fn a_profile_without_its_lockfile_says_how_to_make_one() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let profile = node_profile_edited(dir.path(), |node| {
        format!("{node}\n[packages]\nleft-pad = \"1.3.0\"\n")
    });
    let out = run_profile(
        &profile,
        "astro5",
        dir.path(),
        &["blog-static/routes", "server-app/routes"],
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
    let _machine = crate::support::shared_machine();
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

/// Processes that carry `mark` in their environment (every descendant of a harness
/// started with it) and still run.
fn marked_processes(mark: &str) -> Vec<u32> {
    let needle = format!("ASTRO_CONFORM_TEST_MARK={mark}");
    fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| {
            fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|v| v == needle.as_bytes()))
                && crate::support::alive(pid)
        })
        .collect()
}

/// Starts the harness with `args`, waits until one of its descendants' command lines
/// mentions `stage`, SIGKILLs the harness (no handler runs) and asserts that every
/// process it started is gone within a few seconds.
fn sigkill_when_running(args: &[&str], stage: &str) {
    let mark = format!("{}-{stage}", std::process::id());
    let mut child = Command::new(env!("CARGO_BIN_EXE_astro-conform"))
        .args(args)
        .env("ASTRO_CONFORM_TEST_MARK", &mark)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let reached = (0..6000).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        marked_processes(&mark).iter().any(|&pid| {
            pid != child.id()
                && fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|c| String::from_utf8_lossy(&c).contains(stage))
        })
    });
    assert!(reached, "no process running `{stage}` appeared");
    child.kill().unwrap();
    child.wait().unwrap();
    let gone = (0..250).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(20));
        marked_processes(&mark).is_empty()
    });
    assert!(
        gone,
        "processes survived SIGKILL of the harness during `{stage}`: {:?}",
        marked_processes(&mark)
    );
}

#[test]
fn sigkill_during_a_build_leaves_no_process_behind() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    unseen_server_project(dir.path());
    // Prerendering this page takes a minute, so the build outlives the wait below.
    write(
        dir.path(),
        &[(
            "src/pages/slow.astro",
            "---\nexport const prerender = true;\nawait new Promise((r) => setTimeout(r, 60_000));\n---\n<p>slow</p>\n",
        )],
    );
    let project = dir.path().to_str().unwrap();
    sigkill_when_running(
        &["classify", project, "--stack", "astro5", "--rebuild"],
        // In `astro build`'s arguments, not in the harness's own command line.
        ".astro-conform/astro.config.mjs",
    );
}

#[test]
fn sigkill_while_servers_run_leaves_no_process_behind() {
    let _machine = crate::support::shared_machine();
    let report = tempfile::tempdir().unwrap();
    let report = report.path().to_str().unwrap();
    // node-middleware's host is a program of ours that starts the adapter's handler.
    sigkill_when_running(
        &[
            "run",
            "--adapter",
            "node-middleware",
            "--stack",
            "astro5",
            "--report-dir",
            report,
            "hybrid-static/http/",
        ],
        "node-middleware.mjs",
    );
}

#[test]
fn outside_fixtures_run_with_their_snapshots_beside_them() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let fixtures = outside_fixtures(root.path());
    let report = root.path().join("report");
    let args = [
        "run",
        "--fixtures",
        fixtures.to_str().unwrap(),
        "--no-builtin",
        "--stack",
        "astro5",
        "--adapter",
        "node",
        "--report-dir",
        report.to_str().unwrap(),
    ];
    let run = |ci: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_astro-conform"));
        cmd.args(args).env_remove("CI").env_remove("INSTA_UPDATE");
        if ci {
            cmd.env("CI", "true");
        } else {
            cmd.env("INSTA_UPDATE", "always");
        }
        cmd.output().unwrap()
    };
    // The first run writes the snapshots beside the fixtures, the second compares them.
    let first = run(false);
    assert!(first.status.success(), "{:?}", text(&first));
    assert!(
        fixtures
            .join("snapshots/astro5__mine__routes.snap")
            .is_file()
    );
    assert!(
        fixtures
            .join("snapshots/astro5__node__mine__dist.snap")
            .is_file()
    );
    let second = run(true);
    let (stdout, stderr) = text(&second);
    assert!(second.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("node: 3 pass, 0 fail"), "{stdout}");
    assert!(
        !stdout.contains("routing"),
        "built-in fixtures ran: {stdout}"
    );
    // A changed decision fails against the snapshot beside the fixture.
    write(
        &fixtures.join("mine"),
        &[(
            "src/pages/index.astro",
            "---\nexport const prerender = false;\n---\n<h1>home</h1>\n",
        )],
    );
    let changed = run(true);
    let (stdout, stderr) = text(&changed);
    assert_eq!(changed.status.code(), Some(1), "{stdout}{stderr}");
    assert!(stderr.contains("astro5__mine__routes"), "{stderr}");
}

#[test]
fn an_outside_fixture_named_like_a_built_in_one_is_refused() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let fixtures = outside_fixtures(root.path());
    std::fs::rename(fixtures.join("mine"), fixtures.join("routing")).unwrap();
    let out = astro_conform(
        &["run", "--list", "--fixtures", fixtures.to_str().unwrap()],
        &[],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("two fixtures are named `routing`"),
        "{stderr}"
    );
    let missing = astro_conform(&["run", "--list", "--fixtures", "/no/such/folder"], &[]);
    assert!(
        text(&missing)
            .1
            .contains("--fixtures /no/such/folder: no such folder")
    );
}

#[test]
fn a_profile_deviation_by_behaviour_applies_to_a_fixture_it_never_named() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let fixtures = root.path().join("later");
    write(
        &fixtures.join("custom-404-later"),
        &[
            ("astro.config.mjs", "export default { output: 'static' };\n"),
            ("src/pages/index.astro", "<h1>home</h1>\n"),
            ("src/pages/404.astro", "<h1 class=\"missing\">Gone</h1>\n"),
            (
                "case.toml",
                "[[request]]\nname = \"an unknown path gets the 404 page\"\ntags = [\"not-found-page\"]\npath = \"/nowhere\"\nexpect.status = 404\nexpect.html = [{ select = \"h1.missing\", text = \"Gone\" }]\n",
            ),
        ],
    );
    let out = astro_conform(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--no-builtin",
            "--stack",
            "astro7",
            "--adapter",
            "node",
            "--adapter",
            "node-middleware",
            "--report-dir",
            root.path().join("report").to_str().unwrap(),
            "/http/",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    // node renders the page; node-middleware's profile lists `tag:not-found-page`.
    assert!(
        stdout.contains("deviation node-middleware · astro7/custom-404-later/http/an-unknown-path-gets-the-404-page: middleware mode hands unmatched paths"),
        "{stdout}"
    );
    assert!(stdout.contains("node: 1 pass, 0 fail"), "{stdout}");
}

#[test]
fn a_behaviour_the_runtime_lacks_is_not_applicable_not_a_failure() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let profile = node_profile_edited(dir.path(), |node| {
        format!("{node}\n[lacks]\nstreaming = \"this runtime buffers every response\"\n")
    });
    let out = run_profile(
        &profile,
        "astro5",
        dir.path(),
        &["hybrid-static/http/stream"],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("mine lacks `streaming`: this runtime buffers every response"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mine: 0 pass, 0 fail, 0 known deviation, 1 n/a"),
        "{stdout}"
    );
}

/// `harness/tests/adapters/<name>`.
fn test_profile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("harness/tests/adapters")
        .join(name)
}

#[test]
fn a_deploy_script_target_is_checked_at_the_url_it_printed_then_cleaned_up() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("cleaned-up");
    let profile = test_profile("deploy-local.toml");
    let out = run_profile(
        &profile,
        "astro5",
        dir.path(),
        &["hybrid-static/http/"],
        &[("CLEANUP_MARK", mark.to_str().unwrap())],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("deploy-local: 7 pass, 0 fail"), "{stdout}");
    let cleaned = fs::read_to_string(&mark).unwrap_or_default();
    assert!(
        cleaned.starts_with("http://127.0.0.1:"),
        "cleanup did not run: {cleaned:?}"
    );
    assert_eq!(cleaned.lines().count(), 1, "one deployment, one cleanup");
}

#[test]
fn a_deploy_that_prints_no_url_or_fails_says_so_with_its_log() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    for (script, expected) in [
        (
            "echo uploading; echo done",
            "the deploy script printed no URL",
        ),
        ("echo quota exceeded >&2; exit 3", "quota exceeded"),
    ] {
        write(dir.path(), &[("d.sh", script)]);
        let profile = fs::read_to_string(test_profile("deploy-local.toml"))
            .unwrap()
            .replace(
                "command = [\"sh\", \"{profile_dir}/deploy-local.sh\", \"deploy\"]",
                &format!(
                    "command = [\"sh\", \"{}\"]",
                    dir.path().join("d.sh").display()
                ),
            );
        write(dir.path(), &[("broken-deploy.toml", &profile)]);
        let out = run_profile(
            &dir.path().join("broken-deploy.toml"),
            "astro5",
            dir.path(),
            &["hybrid-static/http/about"],
            &[("CLEANUP_MARK", "/dev/null")],
        );
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}
