//! Installing a stack: `npm ci` from its committed lockfile into the content-addressed
//! cache, once per key, locked against concurrent processes, with a time bound.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::cache::{EntryLock, KeyHasher};
use crate::process::{self};

use super::*;

use super::node::*;
use crate::error::IoError;

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
        LockOrigin::Ours,
        &format!("stack `{}`", stack.name),
        &node,
        &path_var,
        tools,
        progress,
    )?;
    let node_modules = entry.join("node_modules");
    let astro: serde_json::Value =
        read_json(&node_modules.join("astro/package.json")).map_err(|reason| {
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

pub(super) fn install_timeout() -> Duration {
    crate::settings::get().install_timeout
}

/// Whose lockfile an install uses, which decides what a failure tells the user to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockOrigin {
    /// A stack, toolchain or profile lockfile of astro-conform's: regenerate it with
    /// `stacks/relock.mjs`.
    Ours,
    /// A user's project: bring its lockfile up to date with its own `npm install`.
    Project,
}

/// `npm ci` of the package in `source` into the cache entry keyed by its manifest,
/// lockfile and the Node that runs it. Returns the entry's directory.
pub fn npm_ci(
    source: &Path,
    origin: LockOrigin,
    what: &str,
    node: &NodeRuntime,
    path_var: &OsStr,
    tools: &Tools,
    progress: &dyn Fn(&str),
) -> Result<PathBuf, StackError> {
    let manifest =
        fs::read(source.join("package.json")).map_err(IoError::doing(format!("reading {what}")))?;
    let lockfile = fs::read(source.join("package-lock.json"))
        .map_err(IoError::doing(format!("reading {what}")))?;
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
        .map_err(IoError::doing(format!("locking the cache for {what}")))?;
    if lock.is_complete() {
        return Ok(lock.dir.clone());
    }
    progress(&format!(
        "installing {what} with npm ci (once; cached under {})",
        root.display()
    ));
    lock.reset()
        .map_err(IoError::doing(format!("preparing the cache for {what}")))?;
    fs::write(lock.dir.join("package.json"), &manifest)
        .map_err(IoError::doing("writing package.json"))?;
    fs::write(lock.dir.join("package-lock.json"), &lockfile)
        .map_err(IoError::doing("writing package-lock.json"))?;
    let log = root.join(format!("{name}-{key}.npm-ci.log"));
    if let Err(e) = run_npm_ci(&lock.dir, &log, path_var, tools, (source, origin), what) {
        // Leave no half-installed entry behind.
        let _ = fs::remove_dir_all(&lock.dir);
        return Err(e);
    }
    lock.mark_complete()
        .map_err(IoError::doing("marking the install complete"))?;
    Ok(lock.dir.clone())
}

/// Runs `npm ci` in `dir`, logging to `log`; a failure says what to do, with the log tail.
fn run_npm_ci(
    dir: &Path,
    log: &Path,
    path_var: &OsStr,
    tools: &Tools,
    (source, origin): (&Path, LockOrigin),
    what: &str,
) -> Result<(), StackError> {
    let mut cmd = Command::new(&tools.npm);
    cmd.args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .env("PATH", path_var);
    let status = process::run_logged(&mut cmd, log, install_timeout())?;
    if status.success() {
        return Ok(());
    }
    let text = fs::read_to_string(log).unwrap_or_default();
    Err(StackError::InstallFailed {
        what: what.to_string(),
        status: status.to_string(),
        hint: npm_hint(&text, source, origin),
        tail: process::log_tail(log, process::LOG_TAIL_LINES),
        log: log.to_path_buf(),
    })
}

/// What to do next after a failed `npm ci`, judged from its log.
pub(super) fn npm_hint(log: &str, source: &Path, origin: LockOrigin) -> String {
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
        // npm names what is missing near the top of its log, above its usage text.
        let missing: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("Missing:") || l.contains("Invalid:"))
            .take(5)
            .map(|l| l.trim_start_matches("npm error").trim())
            .collect();
        let fix = if origin == LockOrigin::Ours {
            format!(
                "regenerate the lockfile with `node stacks/relock.mjs {}`",
                source.display()
            )
        } else {
            "run `npm install` in the project to bring its lockfile up to date here (a lockfile made on another platform may list optional packages this registry does not serve), or build with a stack's packages (--stack)".to_string()
        };
        let detail = match missing.is_empty() {
            true => String::new(),
            false => format!(" ({})", missing.join("; ")),
        };
        format!("package.json and package-lock.json disagree{detail}: {fix}")
    } else {
        "see the log below; nothing was cached, so the next run starts clean".into()
    }
}
