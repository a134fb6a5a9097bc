//! `astro-conform upgrade`: the site on its own packages beside the same site with Astro
//! (and its official integrations) moved to another version: listing, responses, checks
//! and speed, in one report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use astro_conform::error::IoError;
use astro_conform::paths;
use astro_conform::perf::ab::{self, AbSettings};
use astro_conform::perf::routes::RouteSpec;
use astro_conform::perf::{bench, variant};
use astro_conform::pipeline::build::{self, Adapter, Build};
use astro_conform::pipeline::classify::Classification;
use astro_conform::pipeline::discover::adapter::{self, Profile};
use astro_conform::pipeline::discover::case::Fixture;
use astro_conform::pipeline::install::stack::{self, InstalledStack};
use astro_conform::pipeline::request::http::{Http, Limits};
use astro_conform::pipeline::serve::cpu;
use astro_conform::pipeline::session::Session;
use astro_conform::suite::{Runner, site};
use astro_conform::upgrade::packages::{self, PackagePlan};
use astro_conform::upgrade::report::Side;
use astro_conform::upgrade::{ChecksDiff, ListingDiff, ResponseDiff, UpgradeReport, asks};

use crate::exit::{CliError, Kind};
use crate::output::{CliResult, spinner};

/// The options of `upgrade`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The site's folder, with its own packages installed (node_modules).
    #[arg(default_value = ".")]
    project: PathBuf,
    /// The Astro version to move to, e.g. 7.3.5.
    #[arg(long, value_name = "VERSION")]
    to: String,
    /// The Astro version to compare from (default: the site's own installed packages).
    #[arg(long, value_name = "VERSION")]
    from: Option<String>,
    /// How both builds are served: a profile name or path (default node).
    #[arg(long, default_value = "node")]
    adapter: String,
    /// Skip the speed comparison.
    #[arg(long)]
    no_bench: bool,
    /// Forks of the speed comparison at the most (fresh server pairs; see `bench --ab`).
    #[arg(long, default_value_t = 10)]
    max_forks: usize,
    /// For a site with a package-lock.json but no node_modules: `npm ci` into the cache.
    #[arg(long)]
    install: bool,
    /// Where upgrade.json, upgrade.md and upgrade.html go (default: report/ in the cache).
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
}

/// One side, built: its packages, its build and (when it built) its listing.
struct Built {
    installed: InstalledStack,
    build: Arc<Build>,
    classification: Result<Classification, String>,
}

/// Runs the comparison, prints the report and writes it; exit 1 on a failure it names.
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    let project = args.project.as_path();
    build::check_project(project)?;
    let to = version(&args.to, "--to")?;
    let manifest: serde_json::Value =
        astro_conform::error::read_json(&project.join("package.json"))
            .map_err(|e| format!("upgrade reads the site's package.json: {e}"))?;
    let profile = adapter::find(&args.adapter)?;
    let bar = spinner(format!("preparing {}", project.display()));
    let progress = bar.clone();
    let runner = Runner::on(Session::with_progress(move |m| {
        progress.set_message(m.to_string())
    }));
    let session = runner.session();

    bar.set_message(format!("resolving the packages that support astro {to}"));
    let to_node = node_range_of(&to)?;
    let plan = plan_for(&manifest, project, &to)?;
    let mut moves = plan.moves.clone();
    let from_installed = match &args.from {
        None => own_packages(project, args.install, session)?,
        Some(v) => {
            let from = version(v, "--from")?;
            let node = node_range_of(&from)?;
            let from_plan = plan_for(&manifest, project, &from)?;
            // "Before" is then the versions moved to --from, not the site's own.
            for m in &mut moves {
                let before = from_plan.moves.iter().find(|b| b.package == m.package);
                if let Some(version) = before.and_then(|b| b.to.clone()) {
                    m.from = version;
                }
            }
            session.moved_packages(project, &from_plan.manifest, &node)?
        }
    };
    let to_installed = session.moved_packages(project, &plan.manifest, &to_node)?;
    let build_side = |installed: InstalledStack| -> CliResult<Built> {
        bar.set_message(format!("building with astro {}", installed.astro_version));
        let adapter = Adapter::for_site(&profile, &installed.node_modules);
        let build = session.build(project, &installed, &adapter)?;
        let classification = session.classified(&build).map_err(|e| e.to_string());
        Ok(Built {
            installed,
            build,
            classification,
        })
    };
    let (before, after) = (build_side(from_installed)?, build_side(to_installed)?);
    let listing = match (&before.classification, &after.classification) {
        (Ok(a), Ok(b)) => ListingDiff::between(a, b),
        _ => ListingDiff::default(),
    };

    let site = match project.join(site::CASE_FILE).is_file() {
        true => Some(Arc::new(site::load(project)?)),
        false => None,
    };
    let (asked, requests_from) = asks::asks(site.as_deref(), before.classification.as_ref().ok());
    bar.set_message(format!("sending {} request(s) to both builds", asked.len()));
    let http = Http::start().map_err(IoError::doing("starting the HTTP runtime"))?;
    let answers = |side: &Built| -> Vec<Result<_, String>> {
        let env = site
            .as_ref()
            .map(|s| s.case.server.env.clone())
            .unwrap_or_default();
        let server = match session.server_with_env(&side.build, &side.installed, &profile, &env) {
            Ok(server) => server,
            Err(e) => return asked.iter().map(|_| Err(e.to_string())).collect(),
        };
        asked
            .iter()
            .map(|ask| {
                let request = ask.request(site.as_deref(), &server.base_url());
                http.send(&server.base_url(), &request, Limits::default())
                    .map(|ex| astro_conform::upgrade::diff::ResponseShape::of(&ex))
                    .map_err(|e| e.to_string())
            })
            .collect()
    };
    let (shapes_before, shapes_after) = (answers(&before), answers(&after));
    let responses: Vec<ResponseDiff> = asked
        .iter()
        .zip(shapes_before.iter().zip(&shapes_after))
        .filter_map(|(ask, (a, b))| ResponseDiff::between(&ask.name, a, b))
        .collect();
    // Speed: the on-demand routes without parameters whose GET answered 2xx before.
    let (gets, _) = asks::asks(None, before.classification.as_ref().ok());
    let specs: Vec<RouteSpec> = match session.server(&before.build, &before.installed, &profile) {
        Err(_) => Vec::new(),
        Ok(server) => gets
            .iter()
            .filter_map(|ask| {
                let path = ask.get_path()?;
                let request = ask.request(None, &server.base_url());
                let answer = http
                    .send(&server.base_url(), &request, Limits::default())
                    .ok()?;
                let whole = answer.complete && (200..300).contains(&answer.status);
                whole.then(|| RouteSpec {
                    name: path.to_string(),
                    path: path.to_string(),
                    file: ask.source.clone(),
                    headers: BTreeMap::new(),
                })
            })
            .collect(),
    };
    let checks = site
        .as_ref()
        .map(|site| checks_diff(&runner, site, &profile, [&before, &after]));
    for side in [&before, &after] {
        session.release_server(&side.build.workdir, &profile.file);
    }
    let (speed, speed_note) = if args.no_bench {
        (None, Some("not measured (--no-bench)".to_string()))
    } else if specs.is_empty() {
        (
            None,
            Some("no on-demand route without parameters answered 2xx: nothing to time".to_string()),
        )
    } else if before.build.succeeded && after.build.succeeded {
        bar.set_message("timing the on-demand routes (A = before, B = after)");
        {
            // A route the load generator cannot time leaves the rest of the report whole.
            match speed(
                args,
                project,
                &profile,
                specs,
                [&before, &after],
                session,
                &bar,
            ) {
                Ok(report) => (Some(report), None),
                Err(e) => (None, Some(format!("not measured: {e}"))),
            }
        }
    } else {
        (None, Some("not measured: a side did not build".to_string()))
    };
    bar.finish_and_clear();

    let side = |b: &Built| Side {
        astro: b.installed.astro_version.clone(),
        node: b.installed.node.version.to_string(),
        build_error: (!b.build.succeeded || b.classification.is_err()).then(|| {
            b.classification
                .as_ref()
                .err()
                .cloned()
                .unwrap_or_else(|| b.build.log_tail())
        }),
    };
    let report = UpgradeReport {
        site: build::project_label(project),
        from: side(&before),
        to: side(&after),
        packages: moves,
        listing,
        requests_from,
        requests: asked.len(),
        responses,
        checks,
        speed,
        speed_note,
    };
    print!("{}", report.markdown());
    let dir = args
        .report_dir
        .clone()
        .unwrap_or_else(|| paths::cache_dir().join("report").join("upgrade"));
    report.write(&dir).map_err(IoError::doing(format!(
        "cannot write the report to {}",
        dir.display()
    )))?;
    println!(
        "\nastro-conform: report written to {} (upgrade.json, upgrade.md, upgrade.html)",
        dir.display()
    );
    Ok(match report.failures().is_empty() {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}

fn version(text: &str, flag: &str) -> CliResult<semver::Version> {
    semver::Version::parse(text.trim_start_matches('v')).map_err(|e| {
        format!("{flag} takes an Astro version such as 7.3.5, not {text:?}: {e}").into()
    })
}

/// The site's own installed packages, run by a Node their Astro accepts.
fn own_packages(project: &Path, install: bool, session: &Session) -> CliResult<InstalledStack> {
    let stack = stack::preferred(&paths::stacks_dir())?;
    session.own_packages(project, &stack, install)?.ok_or_else(|| {
        format!(
            "{} has no installed packages: upgrade compares the site as it is installed (run npm install, or pass --install with a package-lock.json)",
            project.display()
        )
        .into()
    })
}

/// The Node range astro `version` asks for (`engines.node`); the registry must have it.
fn node_range_of(version: &semver::Version) -> CliResult<String> {
    let range = packages::npm_view(&[&format!("astro@{version}"), "engines.node"])
        .map_err(|e| CliError::new(Kind::Environment, e))?;
    match range.trim() {
        "" => Err(format!("the registry has no astro {version}").into()),
        range => Ok(range.to_string()),
    }
}

/// The site's package.json moved to astro `version`, from the registry's peer ranges.
fn plan_for(
    manifest: &serde_json::Value,
    project: &Path,
    version: &semver::Version,
) -> CliResult<PackagePlan> {
    packages::plan(manifest, project, version, &mut packages::registry_releases)
        .map_err(|e| CliError::new(Kind::Environment, e))
}

/// The site's checks on both sides, compared by name.
fn checks_diff(
    runner: &Runner,
    site: &Arc<Fixture>,
    profile: &Profile,
    sides: [&Built; 2],
) -> ChecksDiff {
    let profile = Arc::new(profile.clone());
    let outcomes = sides.map(|side| {
        let installed = Arc::new(side.installed.clone());
        site::trials(site, &installed, &profile)
            .iter()
            .map(|trial| {
                let outcome = runner.judge(trial);
                (trial.name.clone(), outcome.message().map(str::to_string))
            })
            .collect::<BTreeMap<_, _>>()
    });
    let [before, after] = outcomes;
    let mut diff = ChecksDiff::default();
    for (name, failure) in &after {
        match (before.get(name), failure) {
            (Some(None), Some(message)) => diff.now_failing.push((name.clone(), message.clone())),
            (Some(Some(_)), None) => diff.now_passing.push(name.clone()),
            _ => {}
        }
    }
    diff
}

/// `bench --ab` of the two builds on `specs`.
fn speed(
    args: &Args,
    project: &Path,
    profile: &Profile,
    specs: Vec<RouteSpec>,
    sides: [&Built; 2],
    session: &Session,
    bar: &indicatif::ProgressBar,
) -> CliResult<ab::AbReport> {
    let placement = cpu::Placement::split();
    let prepared = sides
        .iter()
        .map(|side| {
            let variant = variant::Variant {
                project: project.to_path_buf(),
                stack: format!("astro {}", side.installed.astro_version),
                adapter: profile.name.clone(),
                env: BTreeMap::new(),
            };
            let adapter = Adapter::for_site(profile, &side.installed.node_modules);
            let packages = (&side.installed, &adapter);
            variant::prepare_installed(
                &variant,
                specs.clone(),
                profile,
                packages,
                session,
                placement.server,
            )
        })
        .collect::<Result<Vec<_>, _>>()?;
    let settings = bench::Settings {
        connections: 8,
        duration: std::time::Duration::from_secs_f64(ab::ROUND_SECONDS),
        warmup: std::time::Duration::from_secs_f64(ab::WARMUP_SECONDS),
        timeout: std::time::Duration::from_secs(10),
        client_cpu: placement.client,
    };
    let ab_settings = AbSettings {
        max_forks: args.max_forks.max(1),
        min_forks: AbSettings::default().min_forks.min(args.max_forks.max(1)),
        ..AbSettings::default()
    };
    let progress = |m: &str| bar.set_message(format!("timing: {m}"));
    Ok(ab::ab(
        &prepared[0],
        &prepared[1],
        &settings,
        &ab_settings,
        &progress,
    )?)
}
