//! `astro-conform listing`: the ▶/λ listing of a build that already ran, from the report
//! the probe wrote during it (the npm integration runs this at the end of a site's own
//! `astro build`), checked against the site's `[routes]`.

use std::path::PathBuf;
use std::process::ExitCode;

use astro_conform::pipeline::build::ProbeReport;
use astro_conform::pipeline::classify::Classification;
use astro_conform::suite::site;

use crate::output::CliResult;

/// The options of `listing`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The site's folder; its astro-conform.toml, when there is one, says each route's mode.
    #[arg(default_value = ".")]
    project: PathBuf,
    /// The JSON report the probe integration wrote during the build.
    #[arg(long, value_name = "FILE")]
    probe_report: PathBuf,
    /// Also list routes Astro injects (/_image, server islands) and config redirects.
    #[arg(long)]
    all_routes: bool,
}

/// Prints the listing; exit 1 when a route's mode differs from `[routes]`.
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    let path = &args.probe_report;
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the probe report {}: {e}", path.display()))?;
    let report: ProbeReport = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not a probe report: {e}", path.display()))?;
    let classification = Classification::from_probe(&report).ok_or_else(|| {
        format!(
            "{} has no routes: the build ended before astro:routes:resolved",
            path.display()
        )
    })?;
    print!("{}", classification.listing(args.all_routes));
    let case_file = args.project.join(site::CASE_FILE);
    if !case_file.is_file() {
        return Ok(ExitCode::SUCCESS);
    }
    let site = site::load(&args.project)?;
    let mismatches = site::route_mismatches(&site, &classification);
    for (mismatch, at) in &mismatches {
        match at {
            Some(at) => eprintln!("{}:{}: {mismatch}", at.file.display(), at.line),
            None => eprintln!("{mismatch}"),
        }
    }
    Ok(match mismatches.is_empty() {
        true => ExitCode::SUCCESS,
        false => ExitCode::FAILURE,
    })
}
