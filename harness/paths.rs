//! Where the project's inputs are and where the harness keeps its caches.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::IoError;

/// The root settled by [`settle_project_root`], once per process.
static ROOT: OnceLock<PathBuf> = OnceLock::new();

/// Where the built-in `fixtures/`, `stacks/`, `adapters/` and `snapshots/` are: the root
/// [`settle_project_root`] chose; before that (or without it: the tests, the benches),
/// `$ASTRO_CONFORM_HOME` when set, else the repository this binary was built from. Reads
/// nothing and writes nothing.
pub fn project_root() -> PathBuf {
    ROOT.get().cloned().unwrap_or_else(source_root)
}

/// `$ASTRO_CONFORM_HOME` when set, else the repository this binary was built from.
fn source_root() -> PathBuf {
    match &crate::settings::get().home {
        Some(home) => absolute(home.clone()),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    }
}

/// Chooses the root for the rest of the process and returns it: `$ASTRO_CONFORM_HOME`
/// when set; the repository this binary was built from while it runs from a cargo target
/// dir (`cargo run`, `cargo test`) and that repository is still there; else the copy the
/// binary carries, unpacked into the cache (an installed binary). The CLI calls it before a
/// command reads the built-in folders.
pub fn settle_project_root() -> Result<PathBuf, IoError> {
    if let Some(root) = ROOT.get() {
        return Ok(root.clone());
    }
    let source = source_root();
    let root = if crate::settings::get().home.is_some()
        || (runs_from_a_target_dir() && source.join("stacks").is_dir())
    {
        source
    } else {
        let cache = cache_dir();
        crate::built_in::unpacked(&cache).map_err(IoError::doing(format!(
            "unpacking the built-in fixtures, stacks and adapters into {}",
            cache.display()
        )))?
    };
    Ok(ROOT.get_or_init(|| root).clone())
}

/// True when this executable lies in a cargo target dir (`target/debug/…`,
/// `target/debug/deps/…`), which cargo marks with `CACHEDIR.TAG`.
fn runs_from_a_target_dir() -> bool {
    let Ok(exe) = std::env::current_exe() else {
        return false;
    };
    exe.ancestors()
        .skip(1)
        .take(4)
        .any(|dir| dir.join("CACHEDIR.TAG").is_file() && dir.join(".rustc_info.json").is_file())
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
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

/// Where the snapshots of the fixtures in `fixtures` are: the built-in `snapshots/` for
/// the built-in fixtures, else `<fixtures>/snapshots/` (a folder without a `case.toml`,
/// so never taken for a fixture).
pub fn snapshots_beside(fixtures: &Path) -> PathBuf {
    let same = |a: &Path, b: &Path| match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    };
    if same(fixtures, &fixtures_dir()) {
        snapshots_dir()
    } else {
        fixtures.join("snapshots")
    }
}

/// The cache root (npm installs, Node toolchains, builds, reports): `$ASTRO_CONFORM_CACHE`,
/// else `astro-conform` in the user's cache directory (`$XDG_CACHE_HOME` or `~/.cache` on
/// Linux, `~/Library/Caches` on macOS), so `cargo clean` keeps the installs.
pub fn cache_dir() -> PathBuf {
    if let Some(dir) = &crate::settings::get().cache {
        return absolute(dir.clone());
    }
    dirs::cache_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("astro-conform")
}

/// True when `ASTRO_CONFORM_KEEP=1`: failed build workdirs are kept and their path printed.
pub(crate) fn keep_workdirs() -> bool {
    crate::settings::get().keep
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
