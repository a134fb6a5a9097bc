//! The runner: installs, builds and servers made once per run and shared by the trials
//! that need them, and the judgement of one trial.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::paths;
use crate::pipeline::build::{self, Adapter, Build, BuildRequest};
use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::install::stack::{self, InstalledStack, Stack, Tools};
use crate::pipeline::request::http;
use crate::pipeline::serve::Server;

use super::checks::{build_failed, check_build_error, check_dist, check_entry, check_routes};
use super::plan::{Check, Outcome, Trial, Work};
use super::request::{Target, run_request};

/// A value made once, on first use, by whichever trial needs it first.
type Once<T> = Arc<OnceLock<Result<T, String>>>;

/// Reports progress lines.
type Progress = Box<dyn Fn(&str) + Send + Sync>;

/// Shared, lazily filled state of a run: the tools, the installed stacks and the servers.
pub struct Runner {
    tools: OnceLock<Result<Tools, String>>,
    installs: Mutex<BTreeMap<PathBuf, Once<InstalledStack>>>,
    progress: Option<Progress>,
    snapshot_dir: PathBuf,
    servers: Mutex<BTreeMap<ServerKey, Once<Arc<Server>>>>,
}

/// A server is one build (its workdir) served as one profile (its file) says.
type ServerKey = (PathBuf, PathBuf);

impl Default for Runner {
    fn default() -> Self {
        Self {
            tools: OnceLock::new(),
            installs: Mutex::default(),
            progress: None,
            snapshot_dir: paths::snapshots_dir(),
            servers: Mutex::default(),
        }
    }
}

impl Runner {
    /// A runner that reports slow steps (installs) through `progress`.
    pub fn with_progress(progress: impl Fn(&str) + Send + Sync + 'static) -> Self {
        Self {
            progress: Some(Box::new(progress)),
            ..Self::default()
        }
    }

    /// Compares snapshots with the files in `dir` instead of `snapshots/`.
    pub fn with_snapshot_dir(mut self, dir: &Path) -> Self {
        self.snapshot_dir = dir.to_path_buf();
        self
    }

    fn say(&self, message: &str) {
        if let Some(p) = &self.progress {
            p(message);
        }
    }

    /// The stack installed (once per run, and once per cache key across runs).
    pub fn installed(&self, stack: &Stack) -> Result<InstalledStack, String> {
        let tools = self
            .tools
            .get_or_init(|| Tools::from_env().map_err(|e| e.to_string()))
            .clone()?;
        let cell = self
            .installs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(stack.dir.clone())
            .or_default()
            .clone();
        cell.get_or_init(|| {
            stack::install(stack, &tools, &|m| self.say(m)).map_err(|e| e.to_string())
        })
        .clone()
    }

    /// The stack with the profile's packages added, installed and checked.
    pub fn installed_with(
        &self,
        stack: &Stack,
        profile: Option<&Profile>,
    ) -> Result<InstalledStack, String> {
        let Some(profile) = profile else {
            return self.installed(stack);
        };
        let source = profile.install_source(stack).map_err(|e| e.to_string())?;
        let installed = self.installed(&source)?;
        profile
            .check_installed(&installed)
            .map_err(|e| e.to_string())?;
        Ok(installed)
    }

    /// The server of a build under a profile, started as the profile says on first use and
    /// shared by its request trials; it is stopped when the runner is dropped.
    pub fn server(
        &self,
        build: &Build,
        stack: &InstalledStack,
        profile: &Profile,
    ) -> Result<Arc<Server>, String> {
        let cell = self
            .servers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry((build.workdir.clone(), profile.file.clone()))
            .or_default()
            .clone();
        cell.get_or_init(|| {
            check_entry(build, profile)?;
            let launch = profile.launch(build, stack);
            Server::start(&launch, profile.ready_timeout())
                .map(Arc::new)
                .map_err(|e| format!("adapter `{}`: {e}", profile.name))
        })
        .clone()
    }

    /// Runs one trial and judges it against the adapter's known deviations.
    pub fn judge(&self, trial: &Trial) -> Outcome {
        if let Some(why) = &trial.skipped {
            return Outcome::NotApplicable(why.clone());
        }
        match (self.run(trial), &trial.deviation) {
            (Ok(()), None) => Outcome::Pass,
            (Err(message), None) => Outcome::Fail(message),
            (Err(detail), Some(reason)) => Outcome::Deviation {
                reason: reason.clone(),
                detail,
            },
            (Ok(()), Some(reason)) => Outcome::StaleDeviation(format!(
                "listed as a known deviation ({reason}), but the check passed: remove it from the profile"
            )),
        }
    }

    /// Runs one trial; `Err` carries the whole failure message.
    pub fn run(&self, trial: &Trial) -> Result<(), String> {
        match &trial.work {
            Work::BadCase(message) => Err(message.clone()),
            Work::Check {
                stack,
                adapter: profile,
                fixture,
                check,
            } => {
                let installed = self.installed_with(stack, profile.as_deref())?;
                let adapter = profile.as_ref().map_or_else(Adapter::none, |p| p.adapter());
                let build = build::build(&BuildRequest {
                    label: &fixture.name,
                    project: &fixture.dir,
                    stack: &installed,
                    adapter: &adapter,
                    use_cache: true,
                })
                .map_err(|e| e.to_string())?;
                let snapshot_dir = self.snapshot_dir.as_path();
                match check {
                    Check::Routes => check_routes(
                        fixture,
                        &adapter,
                        &build,
                        (
                            snapshot_dir,
                            &format!("{}__{}__routes", stack.name, fixture.name),
                        ),
                    ),
                    Check::Dist => check_dist(
                        &build,
                        (
                            snapshot_dir,
                            &format!("{}__{}__{}__dist", stack.name, adapter.name(), fixture.name),
                        ),
                    ),
                    Check::BuildError => check_build_error(fixture, &adapter, &build),
                    Check::Http(i) => {
                        if !build.succeeded {
                            return Err(build_failed(&build));
                        }
                        let Some(profile) = profile else {
                            return Err("a request check needs an adapter".into());
                        };
                        let server = self.server(&build, &installed, profile)?;
                        let target = Target {
                            base: server.base_url(),
                            server_log: &server.log,
                            client_dir: Some(profile.static_dir(&build)),
                            limits: http::Limits::default(),
                        };
                        run_request(fixture.case.requests[*i].get_ref(), &target)
                    }
                }
            }
        }
    }
}
