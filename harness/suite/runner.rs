//! The runner: the trials of a run on one shared [`Session`], and the judgement of each.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::pipeline::build::{Adapter, Build};
use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::discover::case::Fixture;
use crate::pipeline::install::stack::{InstalledStack, Stack};
use crate::pipeline::request::http;
use crate::pipeline::serve::memory::PeakSampler;
use crate::pipeline::session::{Session, SessionError};

use super::checks::{check_build_error, check_dist, check_routes, routes_mismatches};
use super::claims::Declarations;
use super::failure::{Failure, mismatches};
use super::plan::{Check, Failed, Outcome, Trial, Work};
use super::request::{Target, run_request};
use super::snapshot::{SnapshotFile, WritePolicy};

/// Runs trials; installs, builds and servers are made once and shared through its session.
/// Once told the plan ([`Runner::plan`]), it stops each server after the last trial that
/// needs it, so live servers stay near the number of trials running at once.
pub struct Runner {
    session: Session,
    /// Compare every snapshot here instead of beside its fixture.
    snapshot_dir: Option<PathBuf>,
    /// Per server a trial needs: how many planned trials still need it, and the session's
    /// key of the server once one was asked for.
    servers: Mutex<BTreeMap<ServerUse, PendingServer>>,
    /// The run's memory, sampled from the plan on.
    memory: Mutex<Option<PeakSampler>>,
    /// The run's HTTP runtime and client, started by the first request.
    http: OnceLock<Result<http::Http, String>>,
    /// What each adapter declared to Astro in the builds so far.
    declarations: Mutex<Declarations>,
}

/// The server an HTTP trial needs: its packages (a stack's name, or a site's installed
/// packages), its profile file and its fixture's folder.
type ServerUse = (String, PathBuf, PathBuf);

#[derive(Default)]
struct PendingServer {
    trials_left: usize,
    /// The build's workdir and the profile file: the session's key.
    session_key: Option<(PathBuf, PathBuf)>,
}

/// What a run used at its peak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Usage {
    /// The most servers alive at once.
    pub servers: usize,
    /// The highest sampled resident memory of the harness and every process it started.
    pub rss_kb: Option<u64>,
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers = match self.servers {
            1 => "1 server".to_string(),
            n => format!("{n} servers"),
        };
        match self.rss_kb {
            Some(kb) => write!(
                f,
                "peak {servers} at once, {:.1} GB resident (the harness and every process it started)",
                kb as f64 / 1e6
            ),
            None => write!(f, "peak {servers} at once"),
        }
    }
}

/// The server an HTTP trial needs, if it is one.
fn server_use(trial: &Trial) -> Option<ServerUse> {
    match &trial.work {
        Work::Check {
            stack,
            adapter: Some(profile),
            fixture,
            check: Check::Http(_),
        } => Some(server_use_of(&stack.name, profile, fixture)),
        Work::Site {
            installed,
            profile,
            site,
            check: Check::Http(_),
        } => Some(server_use_of(&packages_of(installed), profile, site)),
        _ => None,
    }
}

fn server_use_of(packages: &str, profile: &Profile, fixture: &Fixture) -> ServerUse {
    (
        packages.to_string(),
        profile.file.clone(),
        fixture.dir.clone(),
    )
}

/// A site's packages, named by where they are installed.
fn packages_of(installed: &InstalledStack) -> String {
    installed.node_modules.to_string_lossy().into_owned()
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
            servers: Mutex::default(),
            memory: Mutex::default(),
            http: OnceLock::new(),
            declarations: Mutex::default(),
        }
    }

    /// Tells the runner which trials will be judged, so that each server stops after the
    /// last of them that needs it, and starts sampling the run's memory. A trial judged
    /// but not planned still runs: its server is started again if it was stopped.
    pub fn plan<'a>(&self, trials: impl IntoIterator<Item = &'a Trial>) {
        let mut servers = self.servers.lock().unwrap_or_else(PoisonError::into_inner);
        for key in trials.into_iter().filter_map(server_use) {
            servers.entry(key).or_default().trials_left += 1;
        }
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert_with(PeakSampler::start);
    }

    /// The peak servers and memory so far.
    pub fn usage(&self) -> Usage {
        let memory = self.memory.lock().unwrap_or_else(PoisonError::into_inner);
        Usage {
            servers: self.session.peak_servers(),
            rss_kb: memory.as_ref().and_then(PeakSampler::peak_kb),
        }
    }

    /// What each adapter declared to Astro (`setAdapter()`) in the builds of the run, per
    /// profile and stack.
    pub fn declarations(&self) -> Declarations {
        self.declarations
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Keeps what `profile`'s adapter declared in `build`.
    fn record_declaration(&self, profile: &Profile, stack: &str, build: &Build) {
        if let Some(declares) = &build.probe.adapter_declares {
            self.declarations
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry((profile.name.clone(), stack.to_string()))
                .or_insert_with(|| declares.clone());
        }
    }

    /// Counts `trial` as done; stops its server when no planned trial needs it any more.
    fn done(&self, trial: &Trial) {
        let Some(key) = server_use(trial) else { return };
        let mut servers = self.servers.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(pending) = servers.get_mut(&key) else {
            return;
        };
        pending.trials_left = pending.trials_left.saturating_sub(1);
        if pending.trials_left > 0 {
            return;
        }
        let session_key = servers.remove(&key).and_then(|p| p.session_key);
        drop(servers);
        if let Some((workdir, profile)) = session_key {
            self.session.release_server(&workdir, &profile);
        }
    }

    /// Records the session's key of the server a planned trial asked for.
    fn asked_for_server(&self, trial_server: ServerUse, workdir: &Path, profile: &Path) {
        let mut servers = self.servers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(pending) = servers.get_mut(&trial_server) {
            pending.session_key = Some((workdir.to_path_buf(), profile.to_path_buf()));
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
        let outcome = self.judge_once(trial);
        self.done(trial);
        outcome
    }

    fn judge_once(&self, trial: &Trial) -> Outcome {
        if let Some(why) = &trial.skipped {
            return Outcome::NotApplicable(why.clone());
        }
        match (self.run(trial), &trial.deviation) {
            (Ok(()), None) => Outcome::Pass,
            (Err(failure), None) => Outcome::Fail(Failed {
                message: failure.to_string(),
                mismatches: failure.mismatches(),
            }),
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
            Work::Site {
                installed,
                profile,
                site,
                check,
            } => self.check_site(installed, profile, site, *check),
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
            Some(p) => Adapter::with_options(p, options).ok_or(Failure::NoAdapter)?,
        };
        let build = session.build(&fixture.dir, &installed, &adapter)?;
        if let Some(profile) = profile {
            self.record_declaration(profile, &stack.name, &build);
        }
        let dir = self.snapshot_dir.as_ref().unwrap_or(&fixture.snapshots);
        let snapshot = |name: String| SnapshotFile {
            dir: dir.clone(),
            name,
            policy,
        };
        match check {
            Check::Build => Ok(build.require_success().map_err(SessionError::from)?),
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
                let packages = &stack.name;
                self.request(packages, &installed, profile, fixture, &build, i)
            }
        }
    }

    /// A site's check: built as it is with its own packages (and its own adapter, else the
    /// profile's), `[routes]` held against the verified classification.
    fn check_site(
        &self,
        installed: &InstalledStack,
        profile: &Profile,
        site: &Fixture,
        check: Check,
    ) -> Result<(), Failure> {
        let adapter = Adapter::for_site(profile, &installed.node_modules);
        let build = self.session.build(&site.dir, installed, &adapter)?;
        match check {
            // A site plans no `dist` trial: its output is whatever its build wrote.
            Check::Build | Check::Dist => {
                Ok(build.require_success().map_err(SessionError::from)?)
            }
            Check::BuildError => check_build_error(site, &adapter, &build),
            Check::Routes => {
                let classification = self.session.classified(&build)?;
                mismatches(routes_mismatches(site, &classification))
            }
            Check::Http(i) => {
                let packages = packages_of(installed);
                self.request(&packages, installed, profile, site, &build, i)
            }
        }
    }

    /// Sends request `i` of `fixture` to the build's server (started once and shared).
    fn request(
        &self,
        packages: &str,
        installed: &InstalledStack,
        profile: &Profile,
        fixture: &Fixture,
        build: &Build,
        i: usize,
    ) -> Result<(), Failure> {
        let server_use = server_use_of(packages, profile, fixture);
        self.asked_for_server(server_use, &build.workdir, &profile.file);
        let env = &fixture.case.server.env;
        let server = self
            .session
            .server_with_env(build, installed, profile, env)?;
        let http = self
            .http
            .get_or_init(|| {
                http::Http::start().map_err(|e| format!("cannot start the HTTP runtime: {e}"))
            })
            .as_ref()
            .map_err(|e| Failure::Http(e.clone()))?;
        let target = Target {
            base: server.base_url(),
            server_log: &server.log,
            client_dir: build.client_dir().or(Some(profile.static_dir(build))),
            limits: http::Limits::default(),
            http,
            transport_errors: &profile.serve.transport_errors,
        };
        Ok(run_request(fixture.case.requests[i].get_ref(), &target)?)
    }
}
