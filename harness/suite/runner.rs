//! The runner: the trials of a run on one shared [`Session`], and the judgement of each.

use std::path::{Path, PathBuf};

use crate::pipeline::build::Adapter;
use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::discover::case::Fixture;
use crate::pipeline::install::stack::Stack;
use crate::pipeline::request::http;
use crate::pipeline::session::Session;

use super::checks::{check_build_error, check_dist, check_routes};
use super::failure::Failure;
use super::plan::{Check, Outcome, Trial, Work};
use super::request::{Target, run_request};
use super::snapshot::{SnapshotFile, WritePolicy};

/// Runs trials; installs, builds and servers are made once and shared through its session.
pub struct Runner {
    session: Session,
    /// Compare every snapshot here instead of beside its fixture.
    snapshot_dir: Option<PathBuf>,
}

impl Default for Runner {
    fn default() -> Self {
        Self::on(Session::default())
    }
}

impl Runner {
    /// A runner on `session`, comparing snapshots with each fixture's own.
    pub fn on(session: Session) -> Self {
        Self {
            session,
            snapshot_dir: None,
        }
    }

    /// A runner that reports slow steps (installs) through `progress`.
    pub fn with_progress(progress: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self::on(Session::with_progress(progress))
    }

    /// Compares snapshots with the files in `dir` instead of each fixture's own.
    pub fn with_snapshot_dir(mut self, dir: &Path) -> Self {
        self.snapshot_dir = Some(dir.to_path_buf());
        self
    }

    /// The session the trials share.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Runs one trial and judges it against the adapter's known deviations.
    pub fn judge(&self, trial: &Trial) -> Outcome {
        if let Some(why) = &trial.skipped {
            return Outcome::NotApplicable(why.clone());
        }
        match (self.run(trial), &trial.deviation) {
            (Ok(()), None) => Outcome::Pass,
            (Err(failure), None) => Outcome::Fail(failure.to_string()),
            (Err(failure), Some(known)) => Outcome::Deviation {
                reason: known.reason.clone(),
                detail: failure.to_string(),
            },
            // A behaviour's deviation need not show in every request that has the tag;
            // the matrix reports it stale when it shows in none.
            (Ok(()), Some(known)) if known.tag.is_some() => Outcome::Pass,
            (Ok(()), Some(known)) => Outcome::StaleDeviation(format!(
                "listed as a known deviation ({}), but the check passed: remove it from the profile",
                known.reason
            )),
        }
    }

    /// Runs one trial.
    pub fn run(&self, trial: &Trial) -> Result<(), Failure> {
        match &trial.work {
            Work::BadCase(message) => Err(Failure::BadCase(message.clone())),
            Work::Check {
                stack,
                adapter: profile,
                fixture,
                check,
            } => {
                // A known deviation's mismatch is expected: nothing to review.
                let policy = match trial.deviation {
                    Some(_) => WritePolicy::Never,
                    None => WritePolicy::Insta,
                };
                self.check(stack, profile.as_deref(), fixture, *check, policy)
            }
        }
    }

    fn check(
        &self,
        stack: &Stack,
        profile: Option<&Profile>,
        fixture: &Fixture,
        check: Check,
        policy: WritePolicy,
    ) -> Result<(), Failure> {
        let session = &self.session;
        let installed = session.installed(stack, profile)?;
        let options = &fixture.case.build.adapter_options;
        let adapter = match profile {
            None => Adapter::None,
            Some(p) => p.adapter_with(options).ok_or(Failure::NoAdapter)?,
        };
        let build = session.build(&fixture.dir, &installed, &adapter)?;
        let dir = self.snapshot_dir.as_ref().unwrap_or(&fixture.snapshots);
        let snapshot = |name: String| SnapshotFile {
            dir: dir.clone(),
            name,
            policy,
        };
        match check {
            Check::Routes => {
                let classification = session.classified(&build)?;
                let snapshot = snapshot(format!("{}__{}__routes", stack.name, fixture.name));
                check_routes(fixture, &adapter, &build, &classification, &snapshot)
            }
            Check::Dist => {
                let snapshot = snapshot(format!(
                    "{}__{}__{}__dist",
                    stack.name,
                    adapter.name(),
                    fixture.name
                ));
                check_dist(&build, &snapshot)
            }
            Check::BuildError => check_build_error(fixture, &adapter, &build),
            Check::Http(i) => {
                let profile = profile.ok_or(Failure::NoAdapter)?;
                let server = session.server(&build, &installed, profile)?;
                let target = Target {
                    base: server.base_url(),
                    server_log: &server.log,
                    client_dir: build.client_dir().or(Some(profile.static_dir(&build))),
                    limits: http::Limits::default(),
                    transport_errors: &profile.serve.transport_errors,
                };
                Ok(run_request(fixture.case.requests[i].get_ref(), &target)?)
            }
        }
    }
}
