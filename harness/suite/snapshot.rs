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
