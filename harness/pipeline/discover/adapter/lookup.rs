//! Finding profiles: by name in `adapters/`, by path, or all of them.

use std::fs;
use std::path::{Path, PathBuf};

use super::{Profile, ProfileError};

/// `adapters/` of the repository.
pub fn adapters_dir() -> PathBuf {
    crate::paths::project_root().join("adapters")
}

/// Every profile in `dir` (`*.toml`), sorted by name.
pub fn discover(dir: &Path) -> Result<Vec<Profile>, ProfileError> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(crate::error::IoError::reading(dir))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort_by_key(|f| f.file_stem().map(|s| s.to_os_string()));
    files.iter().map(|f| Profile::load(f)).collect()
}

/// A profile by name (`adapters/<name>.toml`) or by path (anything with a `/` or ending
/// in `.toml`).
pub fn find(name_or_path: &str) -> Result<Profile, ProfileError> {
    if name_or_path.contains('/') || name_or_path.ends_with(".toml") {
        return Profile::load(Path::new(name_or_path));
    }
    let file = adapters_dir().join(format!("{name_or_path}.toml"));
    if !file.is_file() {
        let known = discover(&adapters_dir())
            .map(|ps| ps.into_iter().map(|p| p.name).collect())
            .unwrap_or_default();
        return Err(ProfileError::Unknown {
            name: name_or_path.to_string(),
            file,
            known,
        });
    }
    Profile::load(&file)
}

/// The profiles named on a command line: names, paths, or `all` (every shipped profile).
pub fn select(names: &[String]) -> Result<Vec<Profile>, ProfileError> {
    let mut out: Vec<Profile> = Vec::new();
    for name in names {
        let found = if name == "all" {
            discover(&adapters_dir())?
        } else {
            vec![find(name)?]
        };
        for p in found {
            if !out.iter().any(|o| o.name == p.name) {
                out.push(p);
            }
        }
    }
    Ok(out)
}
