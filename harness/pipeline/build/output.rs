//! What a build leaves: its outcome, log, probe report and output dirs, read back from
//! its workdir.

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::ProbeReport;

use super::{BuildError, HARNESS_DIR};
use crate::process;

/// How a build ended, kept next to it in the cache.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Outcome {
    pub(super) succeeded: bool,
    pub(super) exit: String,
}

/// A finished `astro build` (successful or not) and everything it left.
#[derive(Debug)]
pub struct Build {
    /// The workdir: the project copy with `dist/` and the harness's files.
    pub workdir: PathBuf,
    /// Whether `astro build` exited with status 0.
    pub succeeded: bool,
    /// The exit status as text.
    pub exit: String,
    /// Everything `astro build` printed (stdout and stderr).
    pub log: String,
    /// Where that log is kept.
    pub log_path: PathBuf,
    /// The probe's report (empty if the build stopped before the first hook).
    pub probe: ProbeReport,
    /// True when this build came from the cache.
    pub cached: bool,
    /// Removes the workdir on drop when it is not a cache entry.
    pub(super) _temp: Option<tempfile::TempDir>,
}

impl Build {
    /// The output dir (`outDir`, usually `dist/`).
    pub fn out_dir(&self) -> PathBuf {
        self.workdir
            .join(self.probe.out_dir.as_deref().unwrap_or("dist"))
    }

    /// The dir static files were written to (`dist/client/` with an adapter, else `dist/`).
    pub fn client_dir(&self) -> Option<PathBuf> {
        self.probe.build.as_ref().map(|b| self.workdir.join(&b.dir))
    }

    /// The last lines of the build log.
    pub fn log_tail(&self) -> String {
        process::tail_lines(&self.log, process::LOG_TAIL_LINES)
    }

    /// `Ok` for a build that succeeded, else what failed with the tail of its log.
    pub fn require_success(&self) -> Result<(), BuildFailed> {
        if self.succeeded {
            return Ok(());
        }
        Err(BuildFailed {
            exit: self.exit.clone(),
            workdir: self.workdir.clone(),
            log: self.log_path.clone(),
            tail: self.log_tail(),
        })
    }
}

/// `astro build` ran and exited with an error.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "astro build failed ({exit}); workdir {}\nlast lines of the build log ({}):\n{tail}",
    workdir.display(),
    log.display()
)]
pub struct BuildFailed {
    /// The exit status as text.
    pub exit: String,
    /// The build's workdir.
    pub workdir: PathBuf,
    /// The full build log.
    pub log: PathBuf,
    /// Its last lines.
    pub tail: String,
}

/// Reads a finished build's outcome, log and probe report from its workdir.
pub(super) fn load_build(workdir: &Path) -> Result<Build, BuildError> {
    let harness = workdir.join(HARNESS_DIR);
    let outcome: Outcome = fs::read_to_string(harness.join("outcome.json"))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or(Outcome {
            succeeded: false,
            exit: "unknown".into(),
        });
    let log_path = harness.join("build.log");
    let log = fs::read_to_string(&log_path).unwrap_or_default();
    let probe_path = harness.join("probe.json");
    let probe = match fs::read_to_string(&probe_path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| BuildError::Probe {
            path: probe_path.clone(),
            detail: e.to_string(),
        })?,
        Err(_) => ProbeReport::default(),
    };
    Ok(Build {
        workdir: workdir.to_path_buf(),
        succeeded: outcome.succeeded,
        exit: outcome.exit,
        log,
        log_path,
        probe,
        cached: false,
        _temp: None,
    })
}
