//! The suite: one trial per stack × adapter × fixture × check, named
//! `stack/adapter/fixture/check`. Listing trials builds nothing; running one installs its
//! stack and builds its fixture (both cached and shared with the other trials).

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::paths;
use crate::pipeline::build::{self, Adapter, Build, BuildRequest};
use crate::pipeline::classify::redact::Redactor;
use crate::pipeline::classify::{self, Classification};
use crate::pipeline::classify::{buildlog, tree};
use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::discover::case::{self, Fixture};
use crate::pipeline::install::stack::{self, InstalledStack, Stack, Tools};
use crate::pipeline::model;
use crate::pipeline::request::expect::{self, RequestCase};
use crate::pipeline::request::http::{self, Request};
use crate::pipeline::serve::Server;

/// What a trial checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The ▶/λ listing: snapshot, cross-check with log and disk, `[routes]` expectations.
    Routes,
    /// The build-output tree snapshot.
    Dist,
    /// The build fails with the error named in `expect_error`.
    BuildError,
    /// The `[[request]]` with this index, sent to the running server.
    Http(usize),
}

impl Check {
    /// The trial-name segment(s) after the fixture.
    pub fn name(self, fixture: &Fixture) -> String {
        match self {
            Check::Routes => "routes".into(),
            Check::Dist => "dist".into(),
            Check::BuildError => "build-error".into(),
            Check::Http(i) => format!("http/{}", fixture.case.requests[i].get_ref().slug()),
        }
    }
}

/// What a trial runs.
#[derive(Debug, Clone)]
pub enum Work {
    /// A check of one fixture built on one stack, with an adapter profile or none.
    Check {
        stack: Stack,
        adapter: Option<Arc<Profile>>,
        fixture: Arc<Fixture>,
        check: Check,
    },
    /// A fixture whose case.toml could not be read: the trial fails with this message.
    BadCase(String),
}

/// One named, independent unit of the suite.
#[derive(Debug, Clone)]
pub struct Trial {
    /// `stack/adapter/fixture/check`.
    pub name: String,
    /// The adapter column of the matrix (`none` for fixtures built without one).
    pub adapter: String,
    /// The check row of the matrix: `stack/fixture/check`.
    pub row: String,
    /// Why the trial does not apply, if it does not (it is skipped).
    pub skipped: Option<String>,
    /// The adapter profile's reason, when it lists this check as a known deviation.
    pub deviation: Option<String>,
    /// What it runs.
    pub work: Work,
}

/// How a trial ended, judged against the adapter's known deviations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The check passed.
    Pass,
    /// The check failed; the whole message.
    Fail(String),
    /// The check failed where the profile lists a known deviation.
    Deviation { reason: String, detail: String },
    /// The profile lists a deviation, but the check passed: the list is out of date.
    StaleDeviation(String),
    /// The check does not apply; why.
    NotApplicable(String),
}

impl Outcome {
    /// True for outcomes that fail a run.
    pub fn is_failure(&self) -> bool {
        matches!(self, Outcome::Fail(_) | Outcome::StaleDeviation(_))
    }
}

/// The stacks a run uses: the named ones, or else the default stacks plus every stack a
/// selected profile lists.
pub fn select_stacks(
    all: Vec<Stack>,
    names: &[String],
    profiles: &[Arc<Profile>],
) -> Result<Vec<Stack>, String> {
    for name in names {
        if !all.iter().any(|s| &s.name == name) {
            let known: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
            return Err(format!(
                "unknown stack `{name}`; known stacks: {}",
                known.join(", ")
            ));
        }
    }
    Ok(all
        .into_iter()
        .filter(|s| {
            if !names.is_empty() {
                return names.contains(&s.name);
            }
            s.default
                || profiles
                    .iter()
                    .any(|p| p.stacks.as_ref().is_some_and(|l| l.contains(&s.name)))
        })
        .collect())
}

/// Lists the trials for the fixtures in `fixtures_dir` on the given stacks, through each
/// adapter profile; builds nothing. Fixtures built without an adapter run once per stack.
pub fn trials(
    fixtures_dir: &Path,
    stacks: &[Stack],
    profiles: &[Arc<Profile>],
) -> Result<Vec<Trial>, String> {
    let fixtures = case::discover(fixtures_dir).map_err(|e| e.to_string())?;
    let default_stacks: Vec<String> = stacks
        .iter()
        .filter(|s| s.default)
        .map(|s| s.name.clone())
        .collect();
    let mut out = Vec::new();
    for fixture in fixtures {
        let fixture = match fixture {
            Ok(f) => Arc::new(f),
            Err((name, e)) => {
                out.push(Trial {
                    name: format!("fixtures/{name}/case.toml"),
                    adapter: String::new(),
                    row: format!("fixtures/{name}/case.toml"),
                    skipped: None,
                    deviation: None,
                    work: Work::BadCase(e.to_string()),
                });
                continue;
            }
        };
        let adapters: Vec<Option<Arc<Profile>>> = if fixture.case.build.adapter {
            profiles.iter().cloned().map(Some).collect()
        } else {
            vec![None]
        };
        for adapter in adapters {
            let mut checks = if fixture.case.build.expect_error.is_some() {
                vec![Check::BuildError]
            } else {
                vec![Check::Routes]
            };
            if fixture.case.build.expect_error.is_none()
                && adapter.as_ref().is_none_or(|p| p.output.snapshot)
            {
                checks.insert(0, Check::Dist);
            }
            if adapter.is_some() {
                checks.extend((0..fixture.case.requests.len()).map(Check::Http));
            }
            let adapter_name = adapter.as_ref().map_or("none", |p| p.name.as_str());
            for stack in stacks {
                let not_applicable = adapter
                    .as_ref()
                    .and_then(|p| p.not_applicable(stack, &default_stacks));
                for &check in &checks {
                    let row = format!("{}/{}/{}", stack.name, fixture.name, check.name(&fixture));
                    let case_skip = fixture.case.build.skip.get(&stack.name).or(match check {
                        Check::Http(i) => fixture.case.requests[i].get_ref().skip.get(&stack.name),
                        _ => None,
                    });
                    out.push(Trial {
                        name: format!(
                            "{}/{adapter_name}/{}/{}",
                            stack.name,
                            fixture.name,
                            check.name(&fixture)
                        ),
                        adapter: adapter_name.to_string(),
                        skipped: not_applicable.clone().or(case_skip.cloned()),
                        deviation: adapter
                            .as_ref()
                            .and_then(|p| p.deviation(&row))
                            .map(str::to_string),
                        row,
                        work: Work::Check {
                            stack: stack.clone(),
                            adapter: adapter.clone(),
                            fixture: fixture.clone(),
                            check,
                        },
                    });
                }
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

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

/// Fails, listing what the adapter wrote, when the build lacks the profile's server entry.
pub fn check_entry(build: &Build, profile: &Profile) -> Result<(), String> {
    let entry = profile.entry(build);
    if entry.exists() {
        return Ok(());
    }
    Err(format!(
        "the build has no {} (output.entry of {}); the adapter wrote:\n{}",
        entry.display(),
        profile.file.display(),
        tree::listing(&build.out_dir(), &redactor_for(build, None))
    ))
}

/// Hides the workdir and the stack's paths in text taken from a build.
pub fn redactor_for(build: &Build, stack: Option<&InstalledStack>) -> Redactor {
    let r = Redactor::default().with_path(&build.workdir, "[project]");
    match stack {
        Some(s) => r.with_path(&s.node_modules, "[node_modules]"),
        None => r,
    }
}

fn build_failed(build: &Build) -> String {
    format!(
        "astro build failed ({}); workdir {}\nlast lines of the build log ({}):\n{}",
        build.exit,
        build.workdir.display(),
        build.log_path.display(),
        build.log_tail()
    )
}

/// The classification of a finished build, cross-checked; `Err` lists what disagrees.
pub fn classify_build(build: &Build) -> Result<Classification, String> {
    if !build.succeeded {
        return Err(build_failed(build));
    }
    let classification = Classification::from_probe(&build.probe).ok_or_else(|| {
        format!(
            "the probe integration reported no routes (is astro:routes:resolved supported by this Astro?); build log tail:\n{}",
            build.log_tail()
        )
    })?;
    let client = build
        .client_dir()
        .ok_or("the probe saw no astro:build:done hook")?;
    let disagreements =
        classify::cross_check(&classification, &buildlog::parse(&build.log), &client);
    if disagreements.is_empty() {
        Ok(classification)
    } else {
        let lines: Vec<String> = disagreements.iter().map(|d| format!("  {d}")).collect();
        Err(format!(
            "the probe, the build log and the files on disk disagree:\n{}\n(build log: {})",
            lines.join("\n"),
            build.log_path.display()
        ))
    }
}

/// What the rules model predicts for a fixture built with `adapter`.
fn model_prediction(fixture: &Fixture, adapter: &Adapter) -> Result<model::Prediction, String> {
    let project = model::Project::read(&fixture.dir).map_err(|e| e.to_string())?;
    // The harness adds an adapter unless the fixture builds without one.
    let assumed = (!adapter.is_none()).then_some(true);
    Ok(model::predict(&project, assumed))
}

/// Where Astro's actual decisions differ from the rules model's prediction.
pub fn model_mismatches(prediction: &model::Prediction, actual: &Classification) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(error) = &prediction.build_error {
        out.push(format!(
            "model: the build succeeded, but the model predicted it fails with {error}"
        ));
    }
    for p in &prediction.routes {
        match actual.route(&p.source) {
            None => out.push(format!(
                "model: predicts {} {}, but Astro reported no such route",
                p.mode, p.source
            )),
            Some(r) if r.mode != p.mode => out.push(format!(
                "model: Astro decided {} {}, the model predicted {} ({})",
                r.mode, p.source, p.mode, p.why
            )),
            Some(r) => {
                if let Some(file) = &p.file
                    && !r.files.contains(file)
                {
                    out.push(format!(
                        "model: {} should write {file}, Astro wrote {:?}",
                        p.source, r.files
                    ));
                }
            }
        }
    }
    for r in &actual.routes {
        if r.origin == "project"
            && !r.source.starts_with('(')
            && prediction.route(&r.source).is_none()
        {
            out.push(format!(
                "model: Astro routed {} {} ({}), which the model does not see as a route",
                r.mode, r.source, r.pattern
            ));
        }
    }
    out
}

fn check_routes(
    fixture: &Fixture,
    adapter: &Adapter,
    build: &Build,
    snapshot: (&Path, &str),
) -> Result<(), String> {
    let classification = classify_build(build)?;
    let mut failures = model_mismatches(&model_prediction(fixture, adapter)?, &classification);
    for (source, expected) in &fixture.case.routes {
        match classification.route(source.get_ref()) {
            None => failures.push(format!(
                "[routes] expects {expected} {}, but Astro reported no such route",
                source.get_ref()
            )),
            Some(r) if r.mode != *expected => failures.push(format!(
                "[routes] expects {expected} {}, but Astro decided {} (case.toml of {})",
                source.get_ref(),
                r.mode,
                fixture.name
            )),
            Some(_) => {}
        }
    }
    if let Err(e) = assert_snapshot(snapshot.0, snapshot.1, &classification.listing(false)) {
        failures.push(e);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

fn check_dist(build: &Build, snapshot: (&Path, &str)) -> Result<(), String> {
    if !build.succeeded {
        return Err(build_failed(build));
    }
    assert_snapshot(
        snapshot.0,
        snapshot.1,
        &tree::listing(&build.out_dir(), &redactor_for(build, None)),
    )
}

fn check_build_error(fixture: &Fixture, adapter: &Adapter, build: &Build) -> Result<(), String> {
    let expected = fixture
        .case
        .build
        .expect_error
        .as_deref()
        .unwrap_or_default();
    let mut failures = Vec::new();
    let names = buildlog::error_names(&build.log);
    if build.succeeded || !names.iter().any(|n| n == expected) {
        let what = if build.succeeded {
            "the build succeeded".to_string()
        } else if names.is_empty() {
            format!(
                "the build failed ({}) without naming an Astro error",
                build.exit
            )
        } else {
            format!("the build failed with {}", names.join(", "))
        };
        failures.push(format!(
            "expected the build to fail with {expected}; {what}\nlast lines of the build log ({}):\n{}",
            build.log_path.display(),
            build.log_tail()
        ));
    }
    let predicted = model_prediction(fixture, adapter)?.build_error;
    if predicted.as_deref() != Some(expected) {
        failures.push(format!(
            "model: the case expects the build to fail with {expected}, the model predicts {}",
            predicted.map_or("a successful build".to_string(), |e| format!(
                "a failure with {e}"
            ))
        ));
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n"))
    }
}

/// Where a request case is sent.
pub struct Target<'a> {
    /// The base URL that answers, e.g. `http://127.0.0.1:4321`.
    pub base: String,
    /// The log of the server behind it, shown with failures.
    pub server_log: &'a Path,
    /// The build's client output dir, for `built_file`.
    pub client_dir: Option<PathBuf>,
    /// Time bound and body cap of each exchange.
    pub limits: http::Limits,
}

impl Target<'_> {
    fn with_log(&self, message: String) -> String {
        format!(
            "{message}\nlast lines of the server log ({}):\n{}",
            self.server_log.display(),
            crate::pipeline::build::process::log_tail(
                self.server_log,
                crate::pipeline::build::process::LOG_TAIL_LINES
            )
        )
    }
}

/// Sends one request case to `target` and checks the response; the error lists every
/// failed assertion, then the tail of the server log.
pub fn run_request(case: &RequestCase, target: &Target) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
    let client = http::client();
    let base = &target.base;
    let send = |req: &Request| runtime.block_on(http::send(&client, base, req, target.limits));
    let path = match (&case.path, &case.path_from) {
        (Some(path), _) => path.clone(),
        (None, Some(from)) => path_from_page(from, &send)
            .map_err(|e| target.with_log(format!("GET {}:\n  {e}", from.page)))?,
        (None, None) => return Err(format!("request `{}` has no path", case.name)),
    };
    let request = case.request(base, &path);
    let with_log = |failures: Vec<String>| {
        target.with_log(format!(
            "{} {}:\n  {}",
            request.method,
            request.path,
            failures.join("\n  ")
        ))
    };
    let first = send(&request).map_err(|e| with_log(vec![e.to_string()]))?;
    let mut failures = expect::check(&case.expect, &first);
    if case.expect.varies.is_some() || case.expect.built_file.is_some() {
        let second = send(&request).map_err(|e| with_log(vec![e.to_string()]))?;
        if let Some(varies) = case.expect.varies
            && (first.body() != second.body()) != varies
        {
            failures.push(if varies {
                "per request: two identical requests got the same body; expected content rendered per request".to_string()
            } else {
                "per request: two identical requests got different bodies".to_string()
            });
        }
        if let Some(file) = &case.expect.built_file {
            let path = target
                .client_dir
                .clone()
                .unwrap_or_default()
                .join(file.trim_start_matches('/'));
            match std::fs::read(&path) {
                Err(e) => failures.push(format!("built once: cannot read {}: {e}", path.display())),
                Ok(bytes) => {
                    for (which, ex) in [("first", &first), ("second", &second)] {
                        if ex.body() != bytes {
                            failures.push(format!(
                                "built once: the {which} response ({} bytes) is not the built file {file} ({} bytes)",
                                ex.body().len(),
                                bytes.len()
                            ));
                        }
                    }
                }
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(with_log(failures))
    }
}

/// Fetches `from.page` and reads the path out of it.
fn path_from_page(
    from: &expect::PathFrom,
    send: &dyn Fn(&Request) -> Result<http::Exchange, http::HttpError>,
) -> Result<String, String> {
    let page = send(&Request::get(&from.page)).map_err(|e| e.to_string())?;
    if page.status != 200 {
        return Err(format!(
            "path_from: expected status 200, got {} {}",
            page.status, page.reason
        ));
    }
    from.find(&page.text())
}

/// Compares `value` with `<dir>/<name>.snap` through insta (so `cargo insta review`
/// works); in CI (`CI` set) nothing is written and a missing snapshot fails.
pub fn assert_snapshot(dir: &Path, name: &str, value: &str) -> Result<(), String> {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir);
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
        settings.bind(|| insta::assert_snapshot!(name, value));
    }));
    outcome.map_err(|_| {
        format!(
            "snapshot {}/{name}.snap does not match (or is new); the diff is printed above.\n\
             Review with `cargo insta review`, or accept with `INSTA_UPDATE=always cargo test`.\nactual:\n{}",
            paths::relative_to(dir, &paths::project_root()).display(),
            value.lines().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n")
        )
    })
}

#[cfg(test)]
mod tests;
