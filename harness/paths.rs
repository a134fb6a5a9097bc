//! Where the project's inputs are and where the harness keeps its caches.

use std::path::{Path, PathBuf};

/// The repository root (where `Cargo.toml`, `fixtures/` and `stacks/` are).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/` of the repository.
pub fn fixtures_dir() -> PathBuf {
    project_root().join("fixtures")
}

/// `stacks/` of the repository.
pub fn stacks_dir() -> PathBuf {
    project_root().join("stacks")
}

/// `snapshots/` of the repository.
pub fn snapshots_dir() -> PathBuf {
    project_root().join("snapshots")
}

/// The cache root: `$ASTRO_CONFORM_CACHE`, else `$CARGO_TARGET_DIR/astro-conform`,
/// else `target/astro-conform` in the repository.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("ASTRO_CONFORM_CACHE") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| project_root().join("target"));
    target.join("astro-conform")
}

/// True when `ASTRO_CONFORM_KEEP=1`: failed build workdirs are kept and their path printed.
pub(crate) fn keep_workdirs() -> bool {
    std::env::var("ASTRO_CONFORM_KEEP").is_ok_and(|v| v == "1")
}

/// `path` relative to `base` when it lies below it, else `path` itself.
pub(crate) fn relative_to<'a>(path: &'a Path, base: &Path) -> &'a Path {
    path.strip_prefix(base).unwrap_or(path)
}

/// Copies the folder `from` to `to` (created), files and subfolders.
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.map_err(std::io::Error::other)?;
        let dest = to.join(relative_to(entry.path(), from));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest)?;
        } else {
            std::fs::copy(entry.path(), &dest)?;
        }
    }
    Ok(())
}
