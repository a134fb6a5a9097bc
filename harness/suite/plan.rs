//! The plan: trials (stack × adapter × fixture × check), named and listed without
//! building anything, and the outcome of each.

use std::path::PathBuf;
use std::sync::Arc;

use super::column::AdapterColumn;
use crate::error::Located;
use crate::mismatch::Mismatch;
use crate::pipeline::build::Adapter;
use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::discover::case::{self, CaseError, Fixture};
use crate::pipeline::discover::request::Tag;
use crate::pipeline::install::stack::{InstalledStack, Stack, StackError};

/// What a trial checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The build succeeds (a site's first check; a fixture's checks each need the build).
    Build,
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
            Check::Build => "build".into(),
            Check::Routes => "routes".into(),
            Check::Dist => "dist".into(),
            Check::BuildError => "build-error".into(),
            Check::Http(i) => format!("http/{}", fixture.case.requests[i].get_ref().slug()),
        }
    }

    /// Where `fixture`'s case file asks for this check (a request, the `[routes]`), if it
    /// does.
    pub fn asked_at(self, fixture: &Fixture) -> Option<Located> {
        match self {
            Check::Http(i) => fixture.request_at(i),
            Check::Routes => fixture.routes_at(),
            Check::Build | Check::Dist | Check::BuildError => None,
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
    /// A check of a site (`astro-conform check`): built with its own packages and its own
    /// adapter (else the profile's), served as the profile says, held to its case file
    /// alone (no model or snapshot of ours).
    Site {
        installed: Arc<InstalledStack>,
        profile: Arc<Profile>,
        site: Arc<Fixture>,
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
    /// The adapter column of the matrix it is counted in.
    pub adapter: AdapterColumn,
    /// The check row of the matrix: `stack/fixture/check`.
    pub row: String,
    /// Why the trial does not apply, if it does not (it is skipped).
    pub skipped: Option<String>,
    /// The adapter profile's known deviation for this check, if it lists one.
    pub deviation: Option<KnownDeviation>,
    /// Where the case file asks for this check (a request, the `[routes]`), if it does.
    pub asked_at: Option<Located>,
    /// What it runs.
    pub work: Work,
}

/// A known deviation a profile lists for a trial.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownDeviation {
    /// Why the adapter differs.
    pub reason: String,
    /// The behaviour it is listed for (`tag:…`); `None` when listed by the check's name.
    pub tag: Option<Tag>,
}

/// How a trial ended, judged against the adapter's known deviations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The check passed.
    Pass,
    /// The check failed: the whole message, and each expectation that did not hold.
    Fail(Failed),
    /// The check failed where the profile lists a known deviation.
    Deviation { reason: String, detail: String },
    /// The profile lists a deviation, but the check passed: the list is out of date.
    StaleDeviation(String),
    /// The check does not apply; why.
    NotApplicable(String),
}

/// A failed check: the whole message a person reads, and the failed expectations as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failed {
    pub message: String,
    /// Each expectation that did not hold (empty when the check failed before any was
    /// checked: a build, an install, a server that did not start).
    pub mismatches: Vec<Mismatch>,
}

impl From<String> for Failed {
    fn from(message: String) -> Self {
        Self {
            message,
            mismatches: Vec::new(),
        }
    }
}

impl From<&str> for Failed {
    fn from(message: &str) -> Self {
        message.to_string().into()
    }
}

/// The kind of an [`Outcome`], without its messages (a cell of the matrix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    Deviation,
    StaleDeviation,
    NotApplicable,
}

impl Status {
    /// True for the kinds that fail a run.
    pub fn is_failure(self) -> bool {
        matches!(self, Status::Fail | Status::StaleDeviation)
    }
}

impl Outcome {
    /// Its kind.
    pub fn status(&self) -> Status {
        match self {
            Outcome::Pass => Status::Pass,
            Outcome::Fail(_) => Status::Fail,
            Outcome::Deviation { .. } => Status::Deviation,
            Outcome::StaleDeviation(_) => Status::StaleDeviation,
            Outcome::NotApplicable(_) => Status::NotApplicable,
        }
    }

    /// True for outcomes that fail a run.
    pub fn is_failure(&self) -> bool {
        self.status().is_failure()
    }

    /// What a person reads about it: the failure, the deviation's detail, why the listed
    /// deviation is stale or why the trial does not apply; `None` for a pass.
    pub fn message(&self) -> Option<&str> {
        match self {
            Outcome::Pass => None,
            Outcome::Fail(failed) => Some(&failed.message),
            Outcome::Deviation { detail, .. } => Some(detail),
            Outcome::StaleDeviation(why) | Outcome::NotApplicable(why) => Some(why),
        }
    }
}

/// The stacks a run uses: the named ones, or else the default stacks plus every stack a
/// selected profile lists.
pub fn select_stacks(
    all: Vec<Stack>,
    names: &[String],
    profiles: &[Arc<Profile>],
) -> Result<Vec<Stack>, StackError> {
    for name in names {
        if !all.iter().any(|s| &s.name == name) {
            return Err(StackError::Unknown {
                name: name.clone(),
                known: all.iter().map(|s| s.name.clone()).collect(),
            });
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

/// The folders of fixtures a run reads: the built-in `fixtures/` unless `builtin` is
/// false, then each of `extra`.
pub fn fixture_dirs(extra: &[PathBuf], builtin: bool) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if builtin {
        dirs.push(crate::paths::fixtures_dir());
    }
    dirs.extend(extra.iter().cloned());
    dirs
}

/// Lists the trials for the fixtures in `fixtures_dirs` on the given stacks, through each
/// adapter profile; builds nothing. Fixtures built without an adapter run once per stack.
pub fn trials(
    fixtures_dirs: &[PathBuf],
    stacks: &[Stack],
    profiles: &[Arc<Profile>],
) -> Result<Vec<Trial>, CaseError> {
    let default_stacks: Vec<String> = stacks
        .iter()
        .filter(|s| s.default)
        .map(|s| s.name.clone())
        .collect();
    let mut out = Vec::new();
    for fixture in case::discover_all(fixtures_dirs)? {
        let fixture = match fixture {
            Ok(f) => Arc::new(f),
            Err((name, e)) => {
                out.push(Trial {
                    name: format!("fixtures/{name}/case.toml"),
                    adapter: AdapterColumn::Every,
                    row: format!("fixtures/{name}/case.toml"),
                    skipped: None,
                    deviation: None,
                    asked_at: None,
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
            for stack in stacks {
                out.extend(fixture_trials(
                    &fixture,
                    adapter.as_ref(),
                    stack,
                    &default_stacks,
                ));
            }
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The checks of a fixture built with `adapter` (or none).
fn checks_for(fixture: &Fixture, adapter: Option<&Arc<Profile>>) -> Vec<Check> {
    let expects_error = fixture.case.build.expect_error.is_some();
    let mut checks = Vec::new();
    if !expects_error && adapter.is_none_or(|p| p.output.snapshot) {
        checks.push(Check::Dist);
    }
    checks.push(if expects_error {
        Check::BuildError
    } else {
        Check::Routes
    });
    if adapter.is_some() {
        checks.extend((0..fixture.case.requests.len()).map(Check::Http));
    }
    checks
}

/// The deviation `profile` lists for `row`: by its name, else by a tag of its request.
fn known_deviation(
    profile: &Profile,
    fixture: &Fixture,
    check: Check,
    row: &str,
) -> Option<KnownDeviation> {
    if let Some(reason) = profile.deviation(row) {
        return Some(KnownDeviation {
            reason: reason.to_string(),
            tag: None,
        });
    }
    let Check::Http(i) = check else {
        return None;
    };
    let (tag, reason) = profile.tag_deviation(&fixture.case.requests[i].get_ref().behaviours())?;
    Some(KnownDeviation {
        reason: reason.to_string(),
        tag: Some(tag),
    })
}

/// The trials of one fixture × adapter × stack, with their skips and deviations.
fn fixture_trials(
    fixture: &Arc<Fixture>,
    adapter: Option<&Arc<Profile>>,
    stack: &Stack,
    default_stacks: &[String],
) -> Vec<Trial> {
    let column = AdapterColumn::of(adapter.map(|p| &**p));
    let adapter_name = column.name().unwrap_or_default().to_string();
    // Why the whole fixture does not apply through this profile, if it does not.
    let not_applicable = adapter.and_then(|p| {
        p.not_applicable(stack, default_stacks).or_else(|| {
            Adapter::with_options(p, &fixture.case.build.adapter_options).is_none().then(|| {
                format!(
                    "the fixture sets adapter options; profile `{}` has no `{{options}}` in its adapter expression",
                    p.name
                )
            })
        })
    });
    let mut out = Vec::new();
    for check in checks_for(fixture, adapter) {
        let check_name = check.name(fixture);
        let row = format!("{}/{}/{check_name}", stack.name, fixture.name);
        let case_skip = fixture.case.build.skip.get(&stack.name).or(match check {
            Check::Http(i) => fixture.case.requests[i].get_ref().skip.get(&stack.name),
            _ => None,
        });
        let lacking = match (adapter, check) {
            (Some(p), Check::Http(i)) => {
                p.lacking(&fixture.case.requests[i].get_ref().behaviours())
            }
            _ => None,
        };
        out.push(Trial {
            name: format!(
                "{}/{adapter_name}/{}/{check_name}",
                stack.name, fixture.name
            ),
            adapter: column.clone(),
            skipped: not_applicable.clone().or(case_skip.cloned()).or(lacking),
            deviation: adapter.and_then(|p| known_deviation(p, fixture, check, &row)),
            asked_at: check.asked_at(fixture),
            row,
            work: Work::Check {
                stack: stack.clone(),
                adapter: adapter.cloned(),
                fixture: fixture.clone(),
                check,
            },
        });
    }
    out
}
