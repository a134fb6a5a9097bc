//! Snapshots in insta's file format, kept in a folder of the caller's choosing: an explicit
//! compare that returns a result, and a `.snap.new` written for `cargo insta review` only
//! where the caller's policy allows it.

use std::path::{Path, PathBuf};

use insta::internals::{SnapshotContents, TextSnapshotContents};
use insta::{Snapshot, TextSnapshotKind};

use crate::paths;

/// A value that differs from its snapshot (or has none yet).
#[derive(Debug, thiserror::Error)]
#[error(
    "snapshot {}.snap {}{}\nactual:\n{}",
    file.display(),
    if *missing { "does not exist yet" } else { "does not match" },
    match pending {
        Some(p) => format!(
            "; wrote {} for review: `cargo insta review`, or accept with `INSTA_UPDATE=always`",
            p.display()
        ),
        None => String::new(),
    },
    actual.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
)]
pub struct SnapshotMismatch {
    /// The snapshot, without `.snap`, relative to the project root where it is inside.
    pub file: PathBuf,
    /// True when there was no snapshot to compare with.
    pub missing: bool,
    /// The `.snap.new` written for review, if one was.
    pub pending: Option<PathBuf>,
    /// The value compared.
    pub actual: String,
}

impl From<SnapshotMismatch> for crate::mismatch::Mismatch {
    fn from(e: SnapshotMismatch) -> Self {
        let expected = format!("{}.snap", e.file.display());
        let actual = if e.missing {
            "no snapshot yet"
        } else {
            "a different value"
        };
        Self::new("snapshot", "snapshot", expected, actual).worded(e.to_string())
    }
}

/// What a mismatch may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WritePolicy {
    /// Nothing: a known deviation's mismatch is expected.
    Never,
    /// What `INSTA_UPDATE` says (insta's defaults: `.snap.new` for review, nothing in CI).
    Insta,
}

/// One snapshot file of a check: `<dir>/<name>.snap`, and what a mismatch may write.
#[derive(Debug, Clone)]
pub(crate) struct SnapshotFile {
    pub(crate) dir: PathBuf,
    pub(crate) name: String,
    pub(crate) policy: WritePolicy,
}

impl SnapshotFile {
    /// Compares `value` with this snapshot (see [`compare_snapshot`]).
    pub(crate) fn compare(&self, value: &str) -> Result<(), SnapshotMismatch> {
        compare_snapshot(&self.dir, &self.name, value, self.policy)
    }
}

/// What insta's `INSTA_UPDATE` and `CI` ask for on a mismatch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Update {
    Nothing,
    Pending,
    Accept,
}

impl Update {
    fn from_env() -> Self {
        let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
        match std::env::var("INSTA_UPDATE").as_deref() {
            Ok("always") => Update::Accept,
            Ok("no") => Update::Nothing,
            Ok("new") => Update::Pending,
            _ if in_ci => Update::Nothing,
            _ => Update::Pending,
        }
    }
}

/// Compares `value` with `<dir>/<name>.snap` as insta does (its normalisation of line
/// endings and trailing space); on a mismatch writes what `policy` allows.
pub(crate) fn compare_snapshot(
    dir: &Path,
    name: &str,
    value: &str,
    policy: WritePolicy,
) -> Result<(), SnapshotMismatch> {
    let update = match policy {
        WritePolicy::Never => Update::Nothing,
        WritePolicy::Insta => Update::from_env(),
    };
    compare_with(dir, name, value, update)
}

fn compare_with(
    dir: &Path,
    name: &str,
    value: &str,
    update: Update,
) -> Result<(), SnapshotMismatch> {
    let file = dir.join(format!("{name}.snap"));
    let actual = TextSnapshotContents::new(value.to_string(), TextSnapshotKind::File);
    let stored = Snapshot::from_file(&file).ok();
    let stored_text = stored.as_ref().and_then(|s| match s.contents() {
        SnapshotContents::Text(text) => Some(text),
        SnapshotContents::Binary(_) => None,
    });
    if stored_text.is_some_and(|s| s.matches_latest(&actual)) {
        return Ok(());
    }
    let pending = match update {
        Update::Nothing => None,
        Update::Pending => Some(file.with_extension("snap.new")),
        Update::Accept => Some(file.clone()),
    };
    // A snapshot that cannot be written is still reported as a mismatch.
    let pending = pending.filter(|p| {
        std::fs::create_dir_all(dir).is_ok() && std::fs::write(p, snap_file(value)).is_ok()
    });
    // `INSTA_UPDATE=always` accepts the value, as insta's own assertions do.
    if update == Update::Accept && pending.is_some() {
        return Ok(());
    }
    Err(SnapshotMismatch {
        file: paths::relative_to(dir, &paths::project_root()).join(name),
        missing: stored.is_none(),
        pending: pending.filter(|p| p.extension().is_some_and(|e| e == "new")),
        actual: value.to_string(),
    })
}

/// A `.snap` file's text: insta's header, then the value.
fn snap_file(value: &str) -> String {
    format!(
        "---\nsource: harness/suite/snapshot.rs\n---\n{}\n",
        value.trim_end()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_comparison_judges_like_insta_and_a_deviation_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("x.snap"), snap_file("▶ a\n  └─ /a.html")).unwrap();
        let never = WritePolicy::Never;
        assert!(compare_snapshot(dir.path(), "x", "▶ a\n  └─ /a.html\n", never).is_ok());
        let e = compare_snapshot(dir.path(), "x", "▶ a\n  └─ /a/index.html", never).unwrap_err();
        assert!(!e.missing && e.pending.is_none(), "{e}");
        let e = compare_snapshot(dir.path(), "missing", "▶ a", never).unwrap_err();
        assert!(e.missing, "{e}");
        assert_eq!(files(dir.path()), ["x.snap"]);
    }

    #[test]
    fn a_pending_snapshot_is_one_insta_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("y.snap");
        std::fs::write(&file, snap_file("old")).unwrap();
        let e = compare_with(dir.path(), "y", "new\nlines", Update::Pending).unwrap_err();
        assert_eq!(
            e.pending.as_deref(),
            Some(file.with_extension("snap.new").as_path())
        );
        assert_eq!(std::fs::read_to_string(&file).unwrap(), snap_file("old"));
        let read = Snapshot::from_file(&file.with_extension("snap.new")).unwrap();
        let SnapshotContents::Text(text) = read.contents() else {
            panic!("text")
        };
        assert!(text.matches_latest(&TextSnapshotContents::new(
            "new\nlines".into(),
            TextSnapshotKind::File
        )));
    }

    #[test]
    fn an_accepted_snapshot_is_written_and_passes() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("snapshots");
        assert!(compare_with(&dir, "z", "v", Update::Accept).is_ok());
        assert_eq!(files(&dir), ["z.snap"]);
        assert!(compare_with(&dir, "z", "v", Update::Nothing).is_ok());
    }
}
