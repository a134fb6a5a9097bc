//! `run` and `adapters`: listing, profiles, and Ctrl-C.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::classify::unseen_server_project;
use crate::support::{astro_conform, processes_mentioning, text, write};

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
