//! Snapshots through insta, kept in a folder of the caller's choosing.

use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};

use crate::paths;

/// A value that differs from its snapshot (or has none yet).
#[derive(Debug, thiserror::Error)]
#[error(
    "snapshot {}.snap does not match (or is new); the diff is printed above.\n\
     Review with `cargo insta review`, or accept with `INSTA_UPDATE=always cargo test`.\nactual:\n{}",
    file.display(),
    actual.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
)]
pub struct SnapshotMismatch {
    /// The snapshot, without `.snap`, relative to the project root where it is inside.
    pub file: PathBuf,
    /// The value compared.
    pub actual: String,
}

/// Compares `value` with `<dir>/<name>.snap` through insta (so `cargo insta review`
/// works); in CI (`CI` set) nothing is written and a missing snapshot fails.
pub(crate) fn assert_snapshot(dir: &Path, name: &str, value: &str) -> Result<(), SnapshotMismatch> {
    if !WRITE_NEW.with(std::cell::Cell::get) {
        return compare_only(dir, name, value);
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name, value));
    }));
    outcome.map_err(|_| SnapshotMismatch {
        file: paths::relative_to(dir, &paths::project_root()).join(name),
        actual: value.to_string(),
    })
}

thread_local! {
    /// False while judging a check a profile lists as a known deviation: its mismatch is
    /// expected, so no `.snap.new` is written for review.
    static WRITE_NEW: std::cell::Cell<bool> = const { std::cell::Cell::new(true) };
}

/// Runs `f` with snapshots compared only (nothing written) when `quiet`.
pub(crate) fn with_quiet_snapshots<T>(quiet: bool, f: impl FnOnce() -> T) -> T {
    let before = WRITE_NEW.with(|w| w.replace(!quiet));
    let out = f();
    WRITE_NEW.with(|w| w.set(before));
    out
}

/// `value` against the body of `<dir>/<name>.snap` (after insta's `---` header), writing
/// nothing.
fn compare_only(dir: &Path, name: &str, value: &str) -> Result<(), SnapshotMismatch> {
    let stored = std::fs::read_to_string(dir.join(format!("{name}.snap"))).unwrap_or_default();
    let body = stored
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(_, body)| body);
    if body.is_some_and(|b| b.trim_end() == value.trim_end()) {
        return Ok(());
    }
    Err(SnapshotMismatch {
        file: paths::relative_to(dir, &paths::project_root()).join(name),
        actual: value.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quiet_comparison_judges_like_insta_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("x.snap"),
            "---\nsource: harness/suite/snapshot.rs\n---\n▶ a\n  └─ /a.html\n",
        )
        .unwrap();
        with_quiet_snapshots(true, || {
            assert!(assert_snapshot(dir.path(), "x", "▶ a\n  └─ /a.html").is_ok());
            assert!(assert_snapshot(dir.path(), "x", "▶ a\n  └─ /a/index.html").is_err());
            assert!(assert_snapshot(dir.path(), "missing", "▶ a").is_err());
        });
        let written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().flatten().collect();
        assert_eq!(written.len(), 1, "{written:?}");
    }
}
