//! A site team's checks (`astro-conform check`): the project itself is the fixture, and its
//! `astro-conform.toml` (the case format) says what must hold. It is built as it is, with
//! its own packages and adapter, and served as an adapter profile says; the trials run on
//! the same [`Runner`](super::Runner) as the suite's.

use std::path::Path;
use std::sync::Arc;

use crate::error::Located;
use crate::mismatch::Mismatch;
use crate::pipeline::classify::Classification;
use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::discover::case::{CaseError, Fixture};
use crate::pipeline::install::stack::InstalledStack;

use super::column::AdapterColumn;
use super::plan::{Check, Trial, Work};

/// The case file of a site, in its root folder.
pub const CASE_FILE: &str = "astro-conform.toml";

/// Reads `PROJECT/astro-conform.toml` strictly (errors name file, line and key). The
/// folder is made absolute first: the harness reads its own files from elsewhere, and a
/// failure must still point at the site's file (`check .` annotates `astro-conform.toml`).
pub fn load(project: &Path) -> Result<Fixture, CaseError> {
    let project = std::path::absolute(project).unwrap_or_else(|_| project.to_path_buf());
    Fixture::load_case(&project, &project.join(CASE_FILE))
}

/// The trials of a site, in order: `build-error` when the case expects the build to fail;
/// else `build`, `routes` and one `http/<request>` per request. Each is named by its check
/// alone.
pub fn trials(
    site: &Arc<Fixture>,
    installed: &Arc<InstalledStack>,
    profile: &Arc<Profile>,
) -> Vec<Trial> {
    let checks: Vec<Check> = if site.case.build.expect_error.is_some() {
        vec![Check::BuildError]
    } else {
        [Check::Build, Check::Routes]
            .into_iter()
            .chain((0..site.case.requests.len()).map(Check::Http))
            .collect()
    };
    checks
        .into_iter()
        .map(|check| {
            let name = check.name(site);
            Trial {
                row: name.clone(),
                name,
                adapter: AdapterColumn::Profile(profile.name.clone()),
                skipped: None,
                deviation: None,
                asked_at: check.asked_at(site),
                work: Work::Site {
                    installed: installed.clone(),
                    profile: profile.clone(),
                    site: site.clone(),
                    check,
                },
            }
        })
        .collect()
}

/// Where the case asks for what `mismatch` says did not hold: the route's own line for a
/// `[routes]` entry.
pub fn mismatch_at(site: &Fixture, mismatch: &Mismatch) -> Option<Located> {
    site.route_at(mismatch.expectation.strip_prefix("routes.")?)
}

/// Where a build's ▶/λ decisions differ from the site's `[routes]`: each mismatch with the
/// line of the case file that asked for that route (for a build that already ran, e.g.
/// the site's own `astro build` through the npm integration).
pub fn route_mismatches(
    site: &Fixture,
    classification: &Classification,
) -> Vec<(Mismatch, Option<Located>)> {
    super::checks::routes_mismatches(site, classification)
        .into_iter()
        .map(|mismatch| {
            let at = mismatch_at(site, &mismatch);
            (mismatch, at)
        })
        .collect()
}
