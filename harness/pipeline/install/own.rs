//! A project's own installed packages. A site with its own `node_modules` is built with
//! its Astro, its adapter and its integrations; a stack then only lends its Node.

use std::path::Path;

use crate::cache::KeyHasher;
use crate::error::read_json;
use crate::pipeline::install::stack::{InstalledStack, NodeRuntime, Stack, StackError};

/// The package managers whose lockfiles say a project has its own packages.
const LOCKFILES: [(&str, &str); 5] = [
    ("package-lock.json", "npm ci"),
    ("pnpm-lock.yaml", "pnpm install --frozen-lockfile"),
    ("yarn.lock", "yarn install --frozen-lockfile"),
    ("bun.lock", "bun install --frozen-lockfile"),
    ("bun.lockb", "bun install --frozen-lockfile"),
];

/// The name [`own_packages`] gives the pseudo-stack of a project's own packages.
pub const OWN: &str = "own";

/// The project's own packages with `node` (and `path_var`) to run them; `None` when the
/// project has neither a lockfile nor an installed `astro` (it is built with a stack's).
pub fn own_packages(
    project: &Path,
    node: &NodeRuntime,
    path_var: &std::ffi::OsStr,
) -> Result<Option<InstalledStack>, StackError> {
    let node_modules = project.join("node_modules");
    let lockfile = LOCKFILES.iter().find(|(f, _)| project.join(f).is_file());
    let astro_manifest = node_modules.join("astro/package.json");
    if !astro_manifest.is_file() {
        return match lockfile {
            None => Ok(None),
            Some((file, command)) => Err(StackError::NotInstalled {
                project: project.to_path_buf(),
                lockfile: file.to_string(),
                command: command.to_string(),
            }),
        };
    }
    Ok(Some(from_node_modules(
        project,
        &node_modules,
        node,
        path_var,
    )?))
}

/// The packages installed in `node_modules` (the project's own, or a cache entry made from
/// its lockfile), run with `node`.
pub fn from_node_modules(
    project: &Path,
    node_modules: &Path,
    node: &NodeRuntime,
    path_var: &std::ffi::OsStr,
) -> Result<InstalledStack, StackError> {
    let astro: serde_json::Value = read_json(&node_modules.join("astro/package.json"))?;
    let astro_version = astro["version"].as_str().unwrap_or("?").to_string();
    let node_modules = node_modules
        .canonicalize()
        .unwrap_or_else(|_| node_modules.to_path_buf());
    Ok(InstalledStack {
        stack: Stack {
            name: OWN.into(),
            dir: project.to_path_buf(),
            node_range: "*".into(),
            astro: semver::Version::parse(&astro_version).ok(),
            default: false,
        },
        key: key(project, &node_modules, node),
        node_modules,
        node: node.clone(),
        path_var: path_var.to_os_string(),
        astro_version,
    })
}

/// `stack` with the Node range the project's installed Astro declares (`engines.node`),
/// so the Node that runs its builds is one that Astro accepts.
pub fn node_needs(project: &Path, stack: &Stack) -> Stack {
    let astro: serde_json::Value =
        read_json(&project.join("node_modules/astro/package.json")).unwrap_or_default();
    match astro.pointer("/engines/node").and_then(|v| v.as_str()) {
        Some(range) => Stack {
            node_range: range.to_string(),
            ..stack.clone()
        },
        None => stack.clone(),
    }
}

/// What the installed packages depend on: the lockfile, and the installed version of every
/// dependency the project's package.json names, with the Node version.
fn key(project: &Path, node_modules: &Path, node: &NodeRuntime) -> String {
    let mut hasher = KeyHasher::default();
    hasher.add("node", node.version.to_string().as_bytes());
    for (file, _) in LOCKFILES {
        if let Ok(bytes) = std::fs::read(project.join(file)) {
            hasher.add(file, &bytes);
        }
    }
    let manifest: serde_json::Value = read_json(&project.join("package.json")).unwrap_or_default();
    let mut names: Vec<&str> = ["dependencies", "devDependencies"]
        .iter()
        .filter_map(|k| manifest.get(*k)?.as_object())
        .flat_map(|deps| deps.keys().map(String::as_str))
        .collect();
    names.sort_unstable();
    for name in names {
        let installed: serde_json::Value =
            read_json(&node_modules.join(name).join("package.json")).unwrap_or_default();
        let version = installed["version"].as_str().unwrap_or("missing");
        hasher.add(name, version.as_bytes());
    }
    hasher.finish()
}

/// True when `project` has its own installed `astro`.
pub fn has_installed_astro(project: &Path) -> bool {
    project.join("node_modules/astro/package.json").is_file()
}

/// True when the project's own packages include `package` (e.g. `@astrojs/node`).
pub fn has_package(installed: &InstalledStack, package: &str) -> bool {
    installed
        .node_modules
        .join(package)
        .join("package.json")
        .is_file()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node() -> NodeRuntime {
        NodeRuntime {
            binary: "/usr/bin/node".into(),
            version: semver::Version::new(22, 12, 0),
            origin: "PATH".into(),
        }
    }

    fn write(root: &Path, files: &[(&str, &str)]) {
        for (path, body) in files {
            let p = root.join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, body).unwrap();
        }
    }

    fn own(root: &Path) -> Result<Option<InstalledStack>, StackError> {
        own_packages(root, &node(), std::ffi::OsStr::new("/usr/bin"))
    }

    #[test]
    fn a_project_without_lockfile_or_astro_has_no_own_packages() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), &[("package.json", "{}")]);
        assert!(own(dir.path()).unwrap().is_none());
    }

    #[test]
    fn a_lockfile_without_node_modules_names_its_install_command() {
        for (lockfile, command) in LOCKFILES {
            let dir = tempfile::tempdir().unwrap();
            write(dir.path(), &[(lockfile, "")]);
            let e = own(dir.path()).unwrap_err().to_string();
            assert!(e.contains(lockfile) && e.contains(command), "{e}");
        }
    }

    #[test]
    fn installed_packages_give_astros_version_and_a_key_that_follows_them() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            &[
                ("package.json", r#"{"dependencies":{"astro":"^7","x":"1"}}"#),
                ("node_modules/astro/package.json", r#"{"version":"7.3.5"}"#),
                ("node_modules/x/package.json", r#"{"version":"1.0.0"}"#),
            ],
        );
        let first = own(dir.path()).unwrap().unwrap();
        assert_eq!(first.astro_version, "7.3.5");
        assert_eq!(first.stack.name, OWN);
        assert!(first.node_modules.ends_with("node_modules"));
        write(
            dir.path(),
            &[("node_modules/x/package.json", r#"{"version":"1.0.1"}"#)],
        );
        let second = own(dir.path()).unwrap().unwrap();
        assert_ne!(
            first.key, second.key,
            "an upgraded dependency changes the key"
        );
    }
}
