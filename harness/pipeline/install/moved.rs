//! A project's packages moved to other versions (`astro-conform upgrade`): the moved
//! package.json gets its lockfile resolved once, in the cache, never in the project.

use std::ffi::OsStr;
use std::fs;
use std::path::PathBuf;
use std::process::Command;

use crate::cache::{EntryLock, KeyHasher};
use crate::error::IoError;
use crate::pipeline::install::stack::{NodeRuntime, StackError, Tools};
use crate::process;

/// Writes `manifest` into a cache entry keyed by its content and the Node version, and
/// resolves its package-lock.json there once (`npm install --package-lock-only`, which
/// needs the registry). Returns the folder, ready for [`super::stack::npm_ci`].
pub fn locked_manifest(
    name: &str,
    manifest: &serde_json::Value,
    node: &NodeRuntime,
    path_var: &OsStr,
    tools: &Tools,
    progress: &dyn Fn(&str),
) -> Result<PathBuf, StackError> {
    let text = serde_json::to_string_pretty(manifest).unwrap_or_default() + "\n";
    let key = KeyHasher::default()
        .add("package.json", text.as_bytes())
        .add("node", node.version.to_string().as_bytes())
        .finish();
    let root = crate::paths::cache_dir().join("upgrade");
    let what = format!("the moved packages of {name}");
    let lock = EntryLock::acquire(&root, &format!("{name}-{key}"))
        .map_err(IoError::doing(format!("locking the cache for {what}")))?;
    if lock.is_complete() {
        return Ok(lock.dir.clone());
    }
    progress(&format!(
        "resolving {what} (npm install --package-lock-only)"
    ));
    lock.reset()
        .map_err(IoError::doing(format!("preparing the cache for {what}")))?;
    fs::write(lock.dir.join("package.json"), &text)
        .map_err(IoError::doing("writing package.json"))?;
    let log = root.join(format!("{name}-{key}.lock.log"));
    let mut cmd = Command::new(&tools.npm);
    cmd.args(["install", "--package-lock-only", "--no-audit", "--no-fund"])
        .current_dir(&lock.dir)
        .env("PATH", path_var);
    let status = process::run_logged(&mut cmd, &log, crate::settings::get().install_timeout)?;
    if !status.success() {
        let _ = fs::remove_dir_all(&lock.dir);
        return Err(StackError::InstallFailed {
            what,
            status: status.to_string(),
            hint: "npm could not resolve the moved versions: see the log below (a version the registry lacks, or peer dependencies that conflict)".into(),
            tail: process::log_tail(&log, process::LOG_TAIL_LINES),
            log,
        });
    }
    lock.mark_complete()
        .map_err(IoError::doing("marking the lockfile complete"))?;
    Ok(lock.dir.clone())
}
