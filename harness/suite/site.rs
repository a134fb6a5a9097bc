//! A site team's checks (`astro-conform check`): the project itself is the fixture, and its
//! `astro-conform.toml` (the case format) says what must hold. It is built as it is, with
//! its own packages and adapter, and served as an adapter profile says.

use std::path::Path;

use crate::error::Located;
use crate::pipeline::build::{Adapter, Build};
use crate::pipeline::discover::adapter::Profile;
use crate::pipeline::discover::case::{CaseError, Fixture};
use crate::pipeline::install::stack::InstalledStack;
use crate::pipeline::request::http;
use crate::pipeline::session::Session;

use super::checks::{check_build_error, routes_mismatches};
use super::failure::{Failure, mismatches};
use super::request::{Target, run_request};

/// The case file of a site, in its root folder.
pub const CASE_FILE: &str = "astro-conform.toml";

/// One check of a site and how it ended.
#[derive(Debug)]
pub struct SiteCheck {
    /// `build`, `routes`, `build-error` or `http/<request>`.
    pub name: String,
    /// `Err` with what failed.
    pub result: Result<(), Failure>,
    /// Where the site's case file asks for the check, if it does.
    pub asked_at: Option<Located>,
}

/// Reads `PROJECT/astro-conform.toml` strictly (errors name file, line and key).
pub fn load(project: &Path) -> Result<Fixture, CaseError> {
    Fixture::load_case(project, &project.join(CASE_FILE))
}

/// Builds the site with `installed` (its adapter, else the profile's) and runs every check
/// of its case file, the requests against the build served as `profile` says.
pub fn check(
    session: &Session,
    site: &Fixture,
    installed: &InstalledStack,
    profile: &Profile,
) -> Vec<SiteCheck> {
    let adapter = Adapter::of(profile);
    let named = |name: &str, result| SiteCheck {
        name: name.to_string(),
        result,
        asked_at: None,
    };
    let build = match session.build(&site.dir, installed, &adapter) {
        Ok(build) => build,
        Err(e) => return vec![named("build", Err(e.into()))],
    };
    if site.case.build.expect_error.is_some() {
        return vec![named(
            "build-error",
            check_build_error(site, &adapter, &build),
        )];
    }
    let mut out = vec![SiteCheck {
        asked_at: site.routes_at(),
        ..named("routes", routes(session, site, &build))
    }];
    for (i, request) in site.case.requests.iter().enumerate() {
        let request = request.get_ref();
        let result = session
            .server(&build, installed, profile)
            .map_err(Failure::from)
            .and_then(|server| {
                let target = Target {
                    base: server.base_url(),
                    server_log: &server.log,
                    client_dir: build.client_dir().or(Some(profile.static_dir(&build))),
                    limits: http::Limits::default(),
                    transport_errors: &profile.serve.transport_errors,
                };
                Ok(run_request(request, &target)?)
            });
        out.push(SiteCheck {
            asked_at: site.request_at(i),
            ..named(&format!("http/{}", request.slug()), result)
        });
    }
    out
}

/// The build succeeded, probe, log and disk agree, and `[routes]` holds.
fn routes(session: &Session, site: &Fixture, build: &Build) -> Result<(), Failure> {
    let classification = session.classified(build)?;
    mismatches(routes_mismatches(site, &classification))
}
