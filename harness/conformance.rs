//! The `conformance` test target: one libtest-mimic trial per stack × adapter × fixture ×
//! check. `cargo test -- --list` lists them without building; filters work as usual.
//!
//! Adapters: `ASTRO_CONFORM_ADAPTERS` (comma-separated profile names or paths, or `all`);
//! default `node,node-middleware`. A known deviation that shows up passes; one that no
//! longer shows up fails (the profile is out of date); checks that do not apply are ignored.
//!
//! Fixtures: the built-in ones, plus each folder in `ASTRO_CONFORM_FIXTURES` (a list of
//! paths, separated like PATH); `ASTRO_CONFORM_NO_BUILTIN=1` leaves the built-in ones out.

use std::process::ExitCode;
use std::sync::Arc;

use astro_conform::pipeline::discover::adapter;
use astro_conform::pipeline::install::stack;
use astro_conform::process;
use astro_conform::suite::{self, Outcome};
use astro_conform::{paths, report, settings};
use libtest_mimic::{Arguments, Trial};

fn list() -> Result<Vec<suite::Trial>, Box<dyn std::error::Error>> {
    let settings = settings::load()?;
    let names = match &settings.adapters {
        Some(names) => names.clone(),
        None => adapter::DEFAULT_PROFILES.map(String::from).to_vec(),
    };
    let profiles: Vec<_> = adapter::select(&names)?.into_iter().map(Arc::new).collect();
    let all = stack::discover(&paths::stacks_dir())?;
    let stacks = suite::select_stacks(all, &[], &profiles)?;
    let dirs = suite::fixture_dirs(&settings.fixtures, !settings.no_builtin);
    Ok(suite::trials(&dirs, &stacks, &profiles)?)
}

/// In a GitHub Actions job, an `::error` annotation on the case-file line that asked for a
/// failed trial.
fn annotate(trial: &suite::Trial, message: &str) {
    if let Some(at) = trial
        .asked_at
        .as_ref()
        .filter(|_| report::in_github_actions())
    {
        let cwd = std::env::current_dir().unwrap_or_default();
        println!(
            "{}",
            report::annotation(&at.into(), &trial.name, message, &cwd)
        );
    }
}

fn main() -> ExitCode {
    let args = Arguments::from_args();
    process::install_interrupt_handler();
    process::install_quiet_panic_hook();
    let trials = match list() {
        Ok(trials) => trials,
        Err(e) => {
            eprintln!("error: cannot list the suite: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runner = Arc::new(suite::Runner::with_progress(|m| {
        eprintln!("astro-conform: {m}")
    }));
    let mut planned = Vec::new();
    let trials: Vec<Trial> = trials
        .into_iter()
        .map(|t| {
            let runner = runner.clone();
            let skipped = t.skipped.is_some();
            let name = t.name.clone();
            let suite_trial = t.clone();
            let trial = Trial::test(name, move || match runner.judge(&t) {
                Outcome::Pass | Outcome::Deviation { .. } | Outcome::NotApplicable(_) => Ok(()),
                Outcome::Fail(failed) => {
                    annotate(&t, &failed.message);
                    Err(failed.message.into())
                }
                Outcome::StaleDeviation(message) => Err(message.into()),
            })
            .with_ignored_flag(skipped);
            // The trials libtest-mimic will run: each server stops after the last of them.
            if !args.list && !args.is_filtered_out(&trial) && !args.is_ignored(&trial) {
                planned.push(suite_trial);
            }
            trial
        })
        .collect();
    runner.plan(&planned);
    let conclusion = libtest_mimic::run(&args, trials);
    if !args.list {
        eprintln!("astro-conform: {}", runner.usage());
    }
    conclusion.exit_code()
}
