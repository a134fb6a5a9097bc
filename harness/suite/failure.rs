//! Why a trial failed: a stage that could not deliver, or the list of what did not hold.

use std::sync::Arc;

use crate::mismatch::Mismatch;
use crate::pipeline::session::SessionError;

use super::request::RequestFailure;

/// Why a trial failed. Its text is the whole message a user sees.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The fixture's case file is invalid; the trial stands for it.
    #[error("{0}")]
    BadCase(String),
    /// A stage of the pipeline (install, build, classify, serve) could not deliver.
    #[error(transparent)]
    Session(#[from] Arc<SessionError>),
    /// The expectations that did not hold, one per line.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Mismatches(Vec<Mismatch>),
    /// A request check: the exchange failed or its expectations did not hold.
    #[error(transparent)]
    Request(#[from] RequestFailure),
    /// The run's HTTP runtime could not start.
    #[error("{0}")]
    Http(String),
    /// A request check of a fixture run without an adapter.
    #[error("a request check needs an adapter")]
    NoAdapter,
}

impl Failure {
    /// The expectations that did not hold, as data (a request check's; none for others).
    pub fn mismatches(&self) -> Vec<Mismatch> {
        match self {
            Failure::Request(r) => r.mismatches.clone(),
            Failure::Mismatches(m) => m.clone(),
            _ => Vec::new(),
        }
    }
}

impl From<SessionError> for Failure {
    fn from(e: SessionError) -> Self {
        Failure::Session(Arc::new(e))
    }
}

/// `Ok` when nothing failed, else the failures.
pub(super) fn mismatches(failures: Vec<Mismatch>) -> Result<(), Failure> {
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Mismatches(failures))
    }
}
