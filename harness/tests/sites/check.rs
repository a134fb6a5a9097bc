//! Building a generated site and comparing Astro with the rules model; a site that
//! differs is saved as a ready fixture.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use astro_conform::astro::Mode;
use astro_conform::pipeline::build::{self, Adapter, BuildRequest};
use astro_conform::pipeline::classify::buildlog;
use astro_conform::pipeline::classify::{self, Classification};
use astro_conform::pipeline::install::stack::InstalledStack;
use astro_conform::pipeline::model;
use astro_conform::{paths, suite};

use super::Site;

/// Where a parametrised ▶ route's files differ from the ones the model derives from the
/// generated values.
fn file_mismatches(
    site: &Site,
    prediction: &model::Prediction,
    actual: &Classification,
) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, r) in site.routes.iter().enumerate() {
        let source = format!("src/pages/{}", r.path());
        let (Some(p), Some(a)) = (prediction.route(&source), actual.route(&source)) else {
            continue;
        };
        if p.mode != Mode::Prerendered || a.mode != Mode::Prerendered {
            continue;
        }
        let values = r.values(i);
        let file = |params: &[&str]| {
            model::built_file_in(&p.pattern, r.kind(), params, site.format, r.is_index())
        };
        let mut expected: Vec<String> = if values.is_empty() {
            vec![file(&[])]
        } else {
            values.iter().map(|v| file(&[v])).collect()
        };
        expected.sort();
        if a.files != expected {
            problems.push(format!(
                "{source}: the model expects the files {expected:?}, Astro wrote {:?}",
                a.files
            ));
        }
    }
    problems
}

/// Builds `site` and compares Astro with the model; `Err` lists every difference.
pub(super) fn check_site(site: &Site, installed: &InstalledStack) -> Result<(), String> {
    let dir = tempfile::tempdir().unwrap();
    site.write(dir.path());
    let project = model::Project::read(dir.path()).map_err(|e| e.to_string())?;
    let prediction = model::predict(&project, Some(site.adapter));
    let built = build::build(&BuildRequest {
        label: "site",
        project: dir.path(),
        stack: installed,
        adapter: &if site.adapter {
            Adapter::node()
        } else {
            Adapter::None
        },
        use_cache: true,
    })
    .map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    match &prediction.build_error {
        Some(error) => {
            let names = buildlog::error_names(&built.log);
            if built.succeeded || !names.iter().any(|n| n == error.name()) {
                problems.push(format!(
                    "the model predicts the build fails with {error}; it {} ({names:?})",
                    if built.succeeded {
                        "succeeded"
                    } else {
                        "failed otherwise"
                    }
                ));
            }
        }
        None if !built.succeeded => problems.push(format!(
            "the model predicts a successful build; it failed:\n{}",
            built.log_tail()
        )),
        None => {
            let actual = classify::classify(&built).map_err(|e| e.to_string())?;
            problems.extend(
                suite::model_mismatches(&prediction, &actual)
                    .iter()
                    .map(ToString::to_string),
            );
            problems.extend(file_mismatches(site, &prediction, &actual));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        let saved = save_fixture(site, dir.path(), &prediction, &problems);
        Err(format!(
            "{}\nsaved as a fixture: {}",
            problems.join("\n"),
            saved.display()
        ))
    }
}

/// Copies the site to `failed-sites/<hash>` in the cache with a case.toml that
/// states the model's expectations.
fn save_fixture(
    site: &Site,
    dir: &Path,
    prediction: &model::Prediction,
    problems: &[String],
) -> PathBuf {
    let mut case = String::new();
    let _ = writeln!(
        case,
        "description = \"A generated site where Astro and the rules model differ\""
    );
    for p in problems {
        let _ = writeln!(case, "# {}", p.lines().next().unwrap_or_default());
    }
    if !site.adapter {
        let _ = writeln!(case, "\n[build]\nadapter = false");
        if let Some(error) = &prediction.build_error {
            let _ = writeln!(case, "expect_error = \"{error}\"");
        }
    }
    if prediction.build_error.is_none() {
        let _ = writeln!(case, "\n[routes]");
        for r in &prediction.routes {
            let _ = writeln!(case, "\"{}\" = \"{}\"", r.source, r.mode);
        }
    }
    std::fs::write(dir.join("case.toml"), &case).unwrap();
    let mut hasher = astro_conform::cache::KeyHasher::default();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            hasher.add(&rel, &std::fs::read(entry.path()).unwrap());
        }
    }
    let to = paths::cache_dir()
        .join("failed-sites")
        .join(format!("site-{}", hasher.finish()));
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(dir).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
    to
}
