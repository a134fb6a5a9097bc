//! Bad input gets a clear error and loses nothing: projects, stacks, tools, registries, lockfiles and numbers.

use std::fs;
use std::path::Path;

use crate::support::{astro_conform, text, write};

#[test]
fn a_folder_that_is_not_an_astro_project_is_refused() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), &[("README.md", "not astro\n")]);
    let out = astro_conform(&["classify", dir.path().to_str().unwrap()], &[]);
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "bad input: {stderr}");
    assert!(stderr.contains("is not an Astro project"), "{stderr}");
}

#[test]
fn an_unknown_stack_is_named_with_the_known_ones() {
    let _machine = crate::support::shared_machine();
    let out = astro_conform(
        &["classify", "fixtures/blog-static", "--stack", "astro9"],
        &[],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "bad usage: {stderr}");
    assert!(
        stderr.contains("unknown stack `astro9`; known stacks: astro5, astro6, astro7"),
        "{stderr}"
    );
}

#[test]
fn missing_node_and_npm_are_reported() {
    let _machine = crate::support::shared_machine();
    let empty = tempfile::tempdir().unwrap();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/blog-static");
    let out = astro_conform(
        &["classify", fixture],
        &[("PATH", empty.path().to_str().unwrap())],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(3), "the environment: {stderr}");
    assert!(stderr.contains("`node` was not found on PATH"), "{stderr}");
}

#[test]
fn a_bad_setting_is_named_with_what_it_takes_before_any_work() {
    let _machine = crate::support::shared_machine();
    let out = astro_conform(
        &["run", "--list"],
        &[("ASTRO_CONFORM_BUILD_TIMEOUT", "abc")],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "ASTRO_CONFORM_BUILD_TIMEOUT=\"abc\" is not valid: it takes a whole number of seconds"
        ),
        "{stderr}"
    );
    assert!(stdout.is_empty(), "{stdout}");
}

#[test]
fn an_unreachable_registry_fails_clearly_and_caches_nothing() {
    let _machine = crate::support::shared_machine();
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
    assert_eq!(out.status.code(), Some(3), "the environment: {stderr}");
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
fn a_lockfile_out_of_sync_fails_with_the_relock_hint_and_caches_nothing() {
    let _machine = crate::support::shared_machine();
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

#[test]
fn bench_and_load_refuse_bad_input_before_measuring() {
    let _machine = crate::support::shared_machine();
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
        assert_eq!(out.status.code(), Some(2), "bad usage: {args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}
