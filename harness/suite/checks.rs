//! The build checks of a trial: the verified ▶/λ listing against the rules model, the
//! case and the snapshot; the output tree; the expected build error.

use crate::astro::Origin;
use crate::mismatch::Mismatch;
use crate::pipeline::build::{Adapter, Build};
use crate::pipeline::classify::redact::Redactor;
use crate::pipeline::classify::{Classification, buildlog, tree};
use crate::pipeline::discover::case::Fixture;
use crate::pipeline::model;
use crate::pipeline::session::SessionError;

use super::failure::{Failure, mismatches};
use super::snapshot::SnapshotFile;

/// What the rules model predicts for a fixture built with `adapter`.
/// `resolved_format` is `build.format` after the integrations' config hooks, when the build
/// reported it: an adapter may override the config's (@astrojs/vercel forces `directory`).
fn model_prediction(
    fixture: &Fixture,
    adapter: &Adapter,
    resolved_format: Option<crate::astro::BuildFormat>,
) -> Result<model::Prediction, Failure> {
    let mut project = model::Project::read(&fixture.dir).map_err(|e| {
        let mismatch = Mismatch::new("model", "model", "a project to read", e.to_string());
        Failure::Mismatches(vec![mismatch.worded(format!("model: {e}"))])
    })?;
    if let Some(format) = resolved_format {
        project.build_format = format;
    }
    // The harness adds an adapter unless the fixture builds without one.
    let assumed = (!adapter.is_none()).then_some(true);
    Ok(model::predict(&project, assumed))
}

/// A disagreement with the rules model about `what`: it predicted `predicted`, Astro did
/// `actual`; said as `message`.
fn model_says(what: &str, predicted: String, actual: String, message: String) -> Mismatch {
    Mismatch::new(format!("model.{what}"), "model", predicted, actual).worded(message)
}

/// Where Astro's actual decisions differ from the rules model's prediction.
pub fn model_mismatches(prediction: &model::Prediction, actual: &Classification) -> Vec<Mismatch> {
    let mut out = Vec::new();
    if let Some(error) = &prediction.build_error {
        out.push(model_says(
            "build",
            format!("a failure with {error}"),
            "a successful build".into(),
            format!("model: the build succeeded, but the model predicted it fails with {error}"),
        ));
    }
    let routes = prediction.routes.iter().map(|p| (p, "route"));
    let redirects = prediction.redirects.iter().map(|p| (p, "redirect"));
    for (p, kind) in routes.chain(redirects) {
        let predicted = format!("{} {}", p.mode, p.source);
        match actual.route(&p.source) {
            None => out.push(model_says(
                &p.source,
                predicted,
                format!("no such {kind}"),
                format!(
                    "model: predicts {} {}, but Astro reported no such {kind}",
                    p.mode, p.source
                ),
            )),
            Some(r) if r.mode != p.mode => out.push(model_says(
                &p.source,
                predicted,
                format!("{} {}", r.mode, p.source),
                format!(
                    "model: Astro decided {} {}, the model predicted {} ({})",
                    r.mode, p.source, p.mode, p.why
                ),
            )),
            Some(r) => {
                if let Some(file) = p.file.as_ref().filter(|_| kind == "route")
                    && !r.files.contains(file)
                {
                    out.push(model_says(
                        &p.source,
                        file.clone(),
                        format!("{:?}", r.files),
                        format!(
                            "model: {} should write {file}, Astro wrote {:?}",
                            p.source, r.files
                        ),
                    ));
                }
            }
        }
    }
    for r in &actual.routes {
        if r.origin == Origin::Project
            && !r.source.starts_with('(')
            && prediction.route(&r.source).is_none()
        {
            out.push(model_says(
                &r.source,
                "no route".into(),
                format!("{} {} ({})", r.mode, r.source, r.pattern),
                format!(
                    "model: Astro routed {} {} ({}), which the model does not see as a route",
                    r.mode, r.source, r.pattern
                ),
            ));
        }
    }
    out
}

/// The `routes` check: the verified listing against the model, `[routes]` and the snapshot.
pub(super) fn check_routes(
    fixture: &Fixture,
    adapter: &Adapter,
    build: &Build,
    classification: &Classification,
    snapshot: &SnapshotFile,
) -> Result<(), Failure> {
    let prediction = model_prediction(fixture, adapter, build.probe.build_format)?;
    let mut failures = model_mismatches(&prediction, classification);
    failures.extend(routes_mismatches(fixture, classification));
    if let Err(e) = snapshot.compare(&classification.listing(false)) {
        failures.push(e.into());
    }
    mismatches(failures)
}

/// Where Astro's decisions differ from the case's `[routes]`, one each.
pub(super) fn routes_mismatches(
    fixture: &Fixture,
    classification: &Classification,
) -> Vec<Mismatch> {
    let mut failures = Vec::new();
    for (source, expected) in &fixture.case.routes {
        let source = source.get_ref();
        let key = format!("routes.{source}");
        match classification.route(source) {
            None => failures.push(
                Mismatch::new(key, "[routes]", expected.to_string(), "no such route").worded(
                    format!(
                        "[routes] expects {expected} {source}, but Astro reported no such route"
                    ),
                ),
            ),
            Some(r) if r.mode != *expected => failures.push(
                Mismatch::new(key, "[routes]", expected.to_string(), r.mode.to_string()).worded(
                    format!(
                        "[routes] expects {expected} {source}, but Astro decided {} ({} of {})",
                        r.mode,
                        fixture.case_file_name(),
                        fixture.name
                    ),
                ),
            ),
            Some(_) => {}
        }
    }
    failures
}

/// The `dist` check: the output tree against its snapshot.
pub(super) fn check_dist(build: &Build, snapshot: &SnapshotFile) -> Result<(), Failure> {
    build.require_success().map_err(SessionError::from)?;
    let listing = tree::listing(&build.out_dir(), &Redactor::for_build(build, None));
    snapshot
        .compare(&listing)
        .map_err(|e| Failure::Mismatches(vec![e.into()]))
}

/// The `build-error` check: the build fails with the Astro error the case names, as the
/// model predicts.
pub(super) fn check_build_error(
    fixture: &Fixture,
    adapter: &Adapter,
    build: &Build,
) -> Result<(), Failure> {
    let Some(expected) = fixture.case.build.expect_error else {
        let mismatch = Mismatch::new(
            "build.expect_error",
            "build-error",
            "an Astro error",
            "none",
        )
        .worded("case.toml names no `expect_error`".into());
        return mismatches(vec![mismatch]);
    };
    let mut failures = Vec::new();
    let names = buildlog::error_names(&build.log);
    if build.succeeded || !names.iter().any(|n| n == expected.name()) {
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
        let mismatch = Mismatch::new(
            "build.expect_error",
            "build",
            format!("a failure with {expected}"),
            what.clone(),
        );
        failures.push(mismatch.worded(format!(
            "expected the build to fail with {expected}; {what}\nlast lines of the build log ({}):\n{}",
            build.log_path.display(),
            build.log_tail()
        )));
    }
    let predicted = model_prediction(fixture, adapter, None)?.build_error;
    if predicted != Some(expected) {
        let predicted = predicted.map_or("a successful build".to_string(), |e| {
            format!("a failure with {e}")
        });
        failures.push(model_says(
            "build",
            predicted.clone(),
            format!("a failure with {expected}"),
            format!(
                "model: the case expects the build to fail with {expected}, the model predicts {predicted}"
            ),
        ));
    }
    mismatches(failures)
}
