//! The classification of a finished build, verified: the probe's decisions must agree
//! with the build log and with the files on disk before anything trusts them.

use std::path::PathBuf;

use crate::pipeline::build::{Build, BuildFailed};

use super::{Classification, buildlog, cross_check};

/// Why a build has no trustworthy classification.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClassifyError {
    #[error(transparent)]
    BuildFailed(#[from] BuildFailed),
    #[error(
        "the probe integration reported no routes (is astro:routes:resolved supported by this Astro?); build log tail:\n{tail}"
    )]
    NoRoutes { tail: String },
    #[error("the probe saw no astro:build:done hook")]
    NoBuildDone,
    #[error(
        "the probe, the build log and the files on disk disagree:\n{}\n(build log: {})",
        disagreements.iter().map(|d| format!("  {d}")).collect::<Vec<_>>().join("\n"),
        log.display()
    )]
    Disagree {
        /// One line per disagreement.
        disagreements: Vec<String>,
        /// The build log.
        log: PathBuf,
    },
}

/// The classification of `build`, cross-checked with its log and its files.
pub fn classify(build: &Build) -> Result<Classification, ClassifyError> {
    build.require_success()?;
    let classification =
        Classification::from_probe(&build.probe).ok_or_else(|| ClassifyError::NoRoutes {
            tail: build.log_tail(),
        })?;
    let client = build.client_dir().ok_or(ClassifyError::NoBuildDone)?;
    let mut log = buildlog::parse(&build.log);
    let written: Vec<&str> = classification
        .routes
        .iter()
        .flat_map(|r| r.files.iter().map(String::as_str))
        .collect();
    log.resolve_interrupted(&written);
    let disagreements = cross_check(&classification, &log, &client);
    if disagreements.is_empty() {
        return Ok(classification);
    }
    Err(ClassifyError::Disagree {
        disagreements: disagreements.iter().map(ToString::to_string).collect(),
        log: build.log_path.clone(),
    })
}
