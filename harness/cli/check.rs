//! `astro-conform check`: a site team's checks, from the site's own astro-conform.toml,
//! against the site built as it is.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use astro_conform::error::IoError;
use astro_conform::error::Located;
use astro_conform::paths;
use astro_conform::pipeline::build;
use astro_conform::pipeline::discover::adapter::{self, Profile};
use astro_conform::pipeline::install::stack::{self, InstalledStack};
use astro_conform::pipeline::session::Session;
use astro_conform::report::{Matrix, annotation};
use astro_conform::suite::{Check, Outcome, Runner, Work, site};

use crate::classify::packages;
use crate::output::{CliResult, spinner};

/// The options of `check`.
#[derive(clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    site: SiteArgs,
    /// Print a GitHub Actions `::error` annotation for each failure, on the line of
    /// astro-conform.toml that asked for the check (default: on when GITHUB_ACTIONS=true).
    #[arg(long)]
    annotations: bool,
    /// Also write the checks as a one-column matrix into this folder: matrix.json,
    /// junit.xml (one test per check), matrix.md and matrix.html.
    #[arg(long, value_name = "DIR")]
    report_dir: Option<PathBuf>,
}

/// What `check` and `init` take: the site and how it is built and served.
#[derive(clap::Args)]
pub(crate) struct SiteArgs {
    /// The site's folder; its astro-conform.toml says what must hold.
    #[arg(default_value = ".")]
    pub(crate) project: PathBuf,
    /// How the build is served for the requests: a profile name from adapters/ or a path
    /// to one (default node: @astrojs/node standalone, also added when the site's config
    /// sets no adapter).
    #[arg(long, default_value = "node")]
    adapter: String,
    /// Build with this stack's packages instead of the site's own.
    #[arg(long)]
    stack: Option<String>,
    /// For a site with a package-lock.json but no node_modules: `npm ci` into the cache.
    #[arg(long)]
    install: bool,
}

/// What `check` and `init` share: the site, built with its own packages, served by a
/// profile.
pub(crate) struct Prepared {
    pub(crate) session: Session,
    pub(crate) installed: InstalledStack,
    pub(crate) profile: Profile,
}

/// Finds the packages and the profile for the site, reporting progress on a spinner.
pub(crate) fn prepare(args: &SiteArgs) -> CliResult<Prepared> {
    let project = args.project.as_path();
    build::check_project(project)?;
    let profile = adapter::find(&args.adapter)?;
    let stack = args.stack.as_deref();
    let stack_dir = stack::named_or_preferred(&paths::stacks_dir(), stack)?;
    let bar = spinner(format!("preparing {}", project.display()));
    let progress = bar.clone();
    let session = Session::with_progress(move |m| progress.set_message(m.to_string()));
    let forced = stack.is_some();
    let (installed, _) = packages(forced, args.install, project, &stack_dir, &session)?;
    bar.finish_and_clear();
    Ok(Prepared {
        session,
        installed,
        profile,
    })
}

/// Runs the site's checks and prints one line each, then every failure.
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    let project = args.site.project.as_path();
    if !project.join(site::CASE_FILE).is_file() {
        return Err(format!(
            "{} has no {}: write a first one with `astro-conform init {}`",
            project.display(),
            site::CASE_FILE,
            project.display()
        )
        .into());
    }
    let site = Arc::new(site::load(project)?);
    let Prepared {
        session,
        installed,
        profile,
    } = prepare(&args.site)?;
    let (installed, profile) = (Arc::new(installed), Arc::new(profile));
    let trials = site::trials(&site, &installed, &profile);
    let runner = Runner::on(session);
    runner.plan(&trials);
    let bar = spinner(format!("checking {}", project.display()));
    let mut checks = Vec::new();
    for trial in &trials {
        bar.set_message(format!("checking {}: {}", project.display(), trial.name));
        let outcome = runner.judge(trial);
        // Nothing else can hold when the site does not build: its failure says it all.
        let unbuilt = matches!(
            trial.work,
            Work::Site {
                check: Check::Build,
                ..
            }
        ) && outcome.is_failure();
        checks.push((trial, outcome));
        if unbuilt {
            break;
        }
    }
    bar.finish_and_clear();
    let failed: Vec<_> = checks
        .iter()
        .filter(|(_, outcome)| outcome.is_failure())
        .collect();
    let annotate = args.annotations || astro_conform::report::in_github_actions();
    let cwd = std::env::current_dir().unwrap_or_default();
    for (trial, outcome) in &failed {
        let message = outcome.message().unwrap_or_default();
        eprintln!("\n---- {} ----\n{message}", trial.name);
        // Each route that failed is pointed at on its own line of [routes].
        let mut places: Vec<(Located, String)> = match outcome {
            Outcome::Fail(failed) => failed
                .mismatches
                .iter()
                .filter_map(|m| Some((site::mismatch_at(&site, m)?, m.message.clone())))
                .collect(),
            _ => Vec::new(),
        };
        if places.is_empty() {
            places.extend(trial.asked_at.clone().map(|at| (at, message.to_string())));
        }
        for (at, said) in &places {
            eprintln!("asked for at {at}");
            if annotate {
                println!("{}", annotation(&at.into(), &trial.name, said, &cwd));
            }
        }
    }
    println!(
        "# astro {} · served by {}",
        installed.astro_version, profile.name
    );
    for (trial, outcome) in &checks {
        let mark = if outcome.is_failure() { "FAIL" } else { "ok  " };
        println!("{mark} {}", trial.name);
    }
    println!(
        "{} passed, {} failed",
        checks.len() - failed.len(),
        failed.len()
    );
    if let Some(dir) = &args.report_dir {
        let results: Vec<_> = checks
            .iter()
            .map(|(trial, outcome)| (*trial, outcome))
            .collect();
        let matrix = Matrix::new(&[profile.as_ref()], &results);
        matrix.write(dir).map_err(IoError::doing(format!(
            "cannot write the report to {}",
            dir.display()
        )))?;
    }
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
