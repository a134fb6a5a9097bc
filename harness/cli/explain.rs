//! `astro-conform explain`: predict every route's ▶/λ from the files, say why, and lint.

use crate::output::CliResult;
use std::path::PathBuf;
use std::process::ExitCode;

use astro_conform::pipeline::model;

/// The options of `explain`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The project folder (with astro.config.* or src/pages/).
    project: PathBuf,
    /// Print JSON: output, adapter, routes (mode, why, file), build_error, lints.
    #[arg(long)]
    json: bool,
    /// Exit 1 on warnings too.
    #[arg(long)]
    deny_warnings: bool,
    /// Also list config redirects, marked as `classify --all-routes` marks them.
    #[arg(long)]
    all_routes: bool,
    /// Whether an adapter is installed: read from the config, or assumed.
    #[arg(long, value_enum, default_value = "config")]
    adapter: AdapterAssumption,
}

/// Where `explain` takes adapter presence from.
#[derive(Clone, Copy, clap::ValueEnum)]
pub(crate) enum AdapterAssumption {
    /// The config's `adapter` field.
    Config,
    /// An adapter is installed (as when astro-conform builds).
    Yes,
    /// No adapter.
    No,
}

/// Predicts, explains and lints, without a build.
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    let model = model::Project::read(&args.project)?;
    let assumed = match args.adapter {
        AdapterAssumption::Config => None,
        AdapterAssumption::Yes => Some(true),
        AdapterAssumption::No => Some(false),
    };
    let prediction = model::predict(&model, assumed);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&prediction)?);
    } else {
        let adapter = match (args.adapter, prediction.adapter) {
            (AdapterAssumption::Config, true) => "set in the config",
            (AdapterAssumption::Config, false) => "none in the config",
            (_, true) => "assumed",
            (_, false) => "assumed none",
        };
        println!("output: {} · adapter: {adapter}", prediction.output);
        print!("{}", prediction.explain_listing(args.all_routes));
        if let Some(error) = &prediction.build_error {
            println!("build: fails with {error}");
        }
        for lint in &prediction.lints {
            println!("{lint}");
        }
        let errors = prediction
            .lints
            .iter()
            .filter(|l| l.severity == model::Severity::Error)
            .count();
        println!(
            "{errors} error(s), {} warning(s)",
            prediction.lints.len() - errors
        );
    }
    Ok(if prediction.fails(args.deny_warnings) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
