//! An installed binary: outside any cargo target dir it carries its fixtures, stacks,
//! profiles and snapshots, unpacks them into the cache, and runs from any directory.
//! (`cargo install --locked --path .` makes the same binary; copying it stands in for the
//! install, which would compile the crate again.)

use std::process::Command;

use astro_conform::paths;

use crate::support::text;

/// The test binary's `astro-conform`, copied to a folder of its own.
fn installed_copy(root: &std::path::Path) -> std::path::PathBuf {
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let to = bin.join("astro-conform");
    std::fs::copy(env!("CARGO_BIN_EXE_astro-conform"), &to).unwrap();
    to
}

#[test]
fn an_installed_binary_runs_the_built_in_fixtures_from_any_directory() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let binary = installed_copy(root.path());
    let elsewhere = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        // The same cache as the other tests, so the stack's installs are shared.
        let out = Command::new(&binary)
            .args(args)
            .current_dir(elsewhere.path())
            .env("ASTRO_CONFORM_CACHE", paths::cache_dir())
            .env_remove("ASTRO_CONFORM_HOME")
            .output()
            .unwrap();
        let (stdout, stderr) = text(&out);
        assert!(out.status.success(), "{args:?}:\n{stdout}\n{stderr}");
        stdout
    };
    assert!(run(&["adapters"]).contains("node-middleware"));
    let listed = run(&["run", "--list", "astro5/node/hybrid-static/"]);
    assert!(
        listed.contains("astro5/node/hybrid-static/routes\n"),
        "{listed}"
    );
    let report = root.path().join("report");
    let matrix = run(&[
        "run",
        "--stack",
        "astro5",
        "--adapter",
        "node",
        "--report-dir",
        report.to_str().unwrap(),
        "hybrid-static",
    ]);
    assert!(
        matrix.contains("astro5/hybrid-static/http/stream-sends-the-shell-before-the-slow-part"),
        "{matrix}"
    );
    assert!(matrix.contains(" pass, 0 fail"), "{matrix}");
    // What it reads is the copy it carries, unpacked into the cache: listing with an
    // empty cache unpacks it there.
    let fresh = tempfile::tempdir().unwrap();
    let out = Command::new(&binary)
        .args(["run", "--list", "astro7/node/routing/routes"])
        .current_dir(elsewhere.path())
        .env("ASTRO_CONFORM_CACHE", fresh.path())
        .env_remove("ASTRO_CONFORM_HOME")
        .output()
        .unwrap();
    assert_eq!(text(&out).0, "astro7/node/routing/routes\n");
    let unpacked: Vec<_> = std::fs::read_dir(fresh.path().join("built-in"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().join("fixtures/routing/case.toml").is_file())
        .collect();
    assert_eq!(unpacked.len(), 1, "the built-in folders were not unpacked");
    // A site with its own astro-conform.toml, and a folder of outside fixtures.
    let site = root.path().join("shop");
    paths::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sites/shop-svelte"),
        &site,
    )
    .unwrap();
    crate::support::write(
        &site,
        &[(
            "astro-conform.toml",
            "[routes]\n\"src/pages/thanks.astro\" = \"▶\"\n\n[[request]]\nname = \"items\"\npath = \"/api/items\"\nexpect.status = 200\n",
        )],
    );
    let checked = run(&["check", site.to_str().unwrap(), "--install"]);
    assert!(checked.ends_with("3 passed, 0 failed\n"), "{checked}");
    let outside = crate::support::outside_fixtures(root.path());
    let mut cmd = Command::new(&binary);
    cmd.args([
        "run",
        "--fixtures",
        outside.to_str().unwrap(),
        "--no-builtin",
        "--stack",
        "astro5",
        "--adapter",
        "node",
    ])
    .args(["--report-dir", report.to_str().unwrap(), "/http/"])
    .current_dir(elsewhere.path())
    .env("ASTRO_CONFORM_CACHE", paths::cache_dir());
    let out = cmd.output().unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("node: 1 pass, 0 fail"), "{stdout}");
    assert_eq!(
        std::fs::read_dir(elsewhere.path()).unwrap().count(),
        0,
        "it wrote into the working directory"
    );
}
