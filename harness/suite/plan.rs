//! The plan: trials (stack × adapter × fixture × check), named and listed without
//! building anything, and the outcome of each.

use std::path::Path;
use std::sync::Arc;

use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::discover::case::{self, Fixture};
use crate::pipeline::install::stack::Stack;

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
