//! What an Astro project is, in one place for every stage: the config file names Astro
//! looks for, and the error for a folder that is not a project.

use std::path::{Path, PathBuf};

/// Config file names Astro looks for, in its order.
pub const CONFIG_NAMES: [&str; 6] = [
    "astro.config.mjs",
    "astro.config.js",
    "astro.config.ts",
    "astro.config.mts",
    "astro.config.cjs",
    "astro.config.cts",
];

/// A folder with neither an Astro config nor `src/pages`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "{} is not an Astro project: it has neither an astro.config.* file nor a src/pages folder",
    .0.display()
)]
pub struct NotAProject(pub PathBuf);

/// The name of the project's config file, if it has one.
pub fn find_config(project: &Path) -> Option<&'static str> {
    CONFIG_NAMES.into_iter().find(|n| project.join(n).is_file())
}

/// The project's config file name (if any), or [`NotAProject`] when it has neither a config
/// nor `src/pages`.
pub fn check(project: &Path) -> Result<Option<&'static str>, NotAProject> {
    let config = find_config(project);
    if config.is_none() && !project.join("src/pages").is_dir() {
        return Err(NotAProject(project.to_path_buf()));
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_config_name_makes_a_project_and_none_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let e = check(dir.path()).unwrap_err();
        assert!(e.to_string().contains("is not an Astro project"), "{e}");
        for name in CONFIG_NAMES {
            let project = dir.path().join(name.replace('.', "-"));
            std::fs::create_dir_all(&project).unwrap();
            std::fs::write(project.join(name), "export default {}").unwrap();
            assert_eq!(check(&project), Ok(Some(name)));
        }
        std::fs::create_dir_all(dir.path().join("src/pages")).unwrap();
        assert_eq!(check(dir.path()), Ok(None));
    }
}
