//! The build checks of a trial: the server entry, the ▶/λ listing against the probe, the
//! log, the disk and the rules model, the output tree, the expected build error.

use std::path::Path;

use crate::pipeline::build::{Adapter, Build};
use crate::pipeline::classify::redact::Redactor;
use crate::pipeline::classify::{self, Classification};
use crate::pipeline::classify::{buildlog, tree};
use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::discover::case::Fixture;
use crate::pipeline::install::stack::InstalledStack;
use crate::pipeline::model;

use super::snapshot::assert_snapshot;

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

pub(super) fn build_failed(build: &Build) -> String {
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

pub(super) fn check_routes(
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

pub(super) fn check_dist(build: &Build, snapshot: (&Path, &str)) -> Result<(), String> {
    if !build.succeeded {
        return Err(build_failed(build));
    }
    assert_snapshot(
        snapshot.0,
        snapshot.1,
        &tree::listing(&build.out_dir(), &redactor_for(build, None)),
    )
}

pub(super) fn check_build_error(
    fixture: &Fixture,
    adapter: &Adapter,
    build: &Build,
) -> Result<(), String> {
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
