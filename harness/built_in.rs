//! The fixtures, stacks, adapter profiles and snapshots the binary carries, so that an
//! installed binary (`cargo install`) works from any directory: unpacked once into the
//! cache, under a key made of their contents.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::cache::{EntryLock, KeyHasher};

/// Each folder the harness reads from its root, by name.
static FOLDERS: [(&str, Dir<'static>); 4] = [
    ("fixtures", include_dir!("$CARGO_MANIFEST_DIR/fixtures")),
    ("stacks", include_dir!("$CARGO_MANIFEST_DIR/stacks")),
    ("adapters", include_dir!("$CARGO_MANIFEST_DIR/adapters")),
    ("snapshots", include_dir!("$CARGO_MANIFEST_DIR/snapshots")),
];

/// Every carried file: its path below the root, and its bytes.
fn files() -> Vec<(PathBuf, &'static [u8])> {
    fn walk(dir: &'static Dir<'static>, under: &Path, out: &mut Vec<(PathBuf, &'static [u8])>) {
        for file in dir.files() {
            out.push((under.join(file.path()), file.contents()));
        }
        for sub in dir.dirs() {
            walk(sub, under, out);
        }
    }
    let mut out = Vec::new();
    for (name, dir) in &FOLDERS {
        walk(dir, Path::new(name), &mut out);
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The carried folders unpacked below `cache` (`<cache>/built-in/<key>/`), made once
/// per content and shared by every process; returns that root.
pub(crate) fn unpacked(cache: &Path) -> std::io::Result<PathBuf> {
    let files = files();
    let mut key = KeyHasher::default();
    for (path, bytes) in &files {
        key.add(&path.to_string_lossy(), bytes);
    }
    let entry = EntryLock::acquire(&cache.join("built-in"), &key.finish())?;
    if !entry.is_complete() {
        entry.reset()?;
        for (path, bytes) in &files {
            let to = entry.dir.join(path);
            std::fs::create_dir_all(to.parent().unwrap_or(&entry.dir))?;
            std::fs::write(to, bytes)?;
        }
        entry.mark_complete()?;
    }
    Ok(entry.dir.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_carried_folders_unpack_once_with_their_files() {
        let cache = tempfile::tempdir().unwrap();
        let root = unpacked(cache.path()).unwrap();
        for file in [
            "stacks/astro7/package-lock.json",
            "adapters/node.toml",
            "fixtures/routing/case.toml",
        ] {
            let carried = std::fs::read(root.join(file)).unwrap();
            let source = std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap();
            assert_eq!(carried, source, "{file}");
        }
        assert_eq!(
            unpacked(cache.path()).unwrap(),
            root,
            "the same content, the same root"
        );
    }
}
