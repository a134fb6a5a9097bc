//! `run`: listing, outside fixtures, and no process left behind on Ctrl-C or SIGKILL.

use std::fs;
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
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown adapter `nodee`"), "{stderr}");
    assert!(
        stderr.contains("cloudflare, deno, netlify, node, node-bun"),
        "{stderr}"
    );
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
        stderr.contains("astro-conform: peak 1 server at once, "),
        "{stderr}"
    );
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
    assert_eq!(out.status.code(), Some(2), "{stderr}");
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
