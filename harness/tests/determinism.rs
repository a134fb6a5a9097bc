//! The same answer on every machine: fixtures copied to two different folders and built
//! with two different, empty caches (so Astro, the adapter and Node are installed at two
//! different paths) give byte-identical ▶/λ listings and dist trees, equal to the
//! committed snapshots. `cargo test` affords the fixtures with the most hashed chunks on
//! one stack; the README's "Determinism" section has the command for every fixture.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use astro_conform::paths;
use insta::internals::SnapshotContents;

use crate::support::text;

/// Islands (a client chunk per island), server-app (a chunk per on-demand page) and
/// middleware (a middleware chunk): the builds whose names carry the most hashes.
const FIXTURES: [&str; 3] = ["islands", "server-app", "middleware-cookies"];
const STACK: &str = "astro7";

/// Runs the fixtures, copied under `root/<folders>`, with a new cache in `root`; returns
/// every snapshot written (name → bytes).
fn snapshots_from(root: &Path, folders: &str) -> BTreeMap<String, Vec<u8>> {
    let fixtures = root.join(folders);
    for name in FIXTURES {
        paths::copy_dir(&paths::fixtures_dir().join(name), &fixtures.join(name)).unwrap();
    }
    let cache = root.join("cache");
    let out = Command::new(env!("CARGO_BIN_EXE_astro-conform"))
        .args(["run", "--no-builtin", "--stack", STACK, "--adapter", "node"])
        .arg("--fixtures")
        .arg(&fixtures)
        .arg("--report-dir")
        .arg(root.join("report"))
        .args(FIXTURES.map(|f| format!("/{f}/")))
        .env("ASTRO_CONFORM_CACHE", &cache)
        .env("INSTA_UPDATE", "always")
        .env_remove("CI")
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    std::fs::read_dir(fixtures.join("snapshots"))
        .unwrap()
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read(e.path()).unwrap())
        })
        .collect()
}

fn text_of(file: &Path) -> String {
    match insta::Snapshot::from_file(file).unwrap().contents() {
        SnapshotContents::Text(t) => t.to_string(),
        SnapshotContents::Binary(_) => panic!("{} is not a text snapshot", file.display()),
    }
}

#[test]
fn two_caches_and_two_workdirs_give_byte_identical_listings() {
    let _machine = crate::support::shared_machine();
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::Builder::new()
        .prefix("a-longer-and-other-root-")
        .tempdir()
        .unwrap();
    let first = snapshots_from(a.path(), "fixtures");
    let second = snapshots_from(b.path(), "some/deeper/folder/of/fixtures");
    // A routes and a dist snapshot per fixture.
    assert_eq!(first.len(), 2 * FIXTURES.len(), "{:?}", first.keys());
    for (name, bytes) in &first {
        assert_eq!(
            Some(bytes),
            second.get(name),
            "{name} differs between the two caches:\n{}\n---\n{}",
            String::from_utf8_lossy(bytes),
            String::from_utf8_lossy(second.get(name).map_or(&[][..], |v| v))
        );
        let committed: PathBuf = paths::snapshots_dir().join(name);
        let written = a.path().join("fixtures/snapshots").join(name);
        assert_eq!(
            text_of(&written),
            text_of(&committed),
            "{name} differs from the committed snapshot"
        );
    }
}
