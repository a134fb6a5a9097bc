//! `astro-conform run`: the suite through one or more adapters, and the matrix.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use astro_conform::error::IoError;
use astro_conform::paths;
use astro_conform::pipeline::discover::adapter::{self, Profile};
use astro_conform::pipeline::install::stack;
use astro_conform::report::Matrix;
use astro_conform::suite::{self, Outcome, Runner, Trial};

use crate::output::{CliResult, println_above};

/// The options of `run`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Run only trials whose name contains one of these substrings.
    filters: Vec<String>,
    /// Adapter profile: a name from adapters/, a path to a .toml, or `all`
    /// (repeatable; default: node and node-middleware).
    #[arg(long = "adapter", short = 'a')]
    adapters: Vec<String>,
    /// Only these stacks (repeatable); default: the default stacks in stacks/ plus
    /// those a selected profile lists.
    #[arg(long = "stack")]
    stacks: Vec<String>,
    /// A folder of your own fixtures (each a subfolder with astro.config.mjs, src/pages/
    /// and case.toml), run beside the built-in ones (repeatable). Their snapshots are
    /// kept in `DIR/snapshots/`.
    #[arg(long = "fixtures", value_name = "DIR")]
    fixtures: Vec<PathBuf>,
    /// Leave the built-in fixtures out (with --fixtures).
    #[arg(long, requires = "fixtures")]
    no_builtin: bool,
    /// Print the trial names and exit, building nothing.
    #[arg(long)]
    list: bool,
    /// Trials run at once (default: the number of cores).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Where matrix.json, junit.xml, matrix.md and matrix.html are written (default: `report/` in the
    /// cache directory).
    #[arg(long)]
    report_dir: Option<PathBuf>,
    /// A previous matrix.json: fail only on checks that fail now but did not then.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Print a GitHub Actions `::error` annotation for each failure, on the line of the
    /// case file that asked for the check (default: on when GITHUB_ACTIONS=true).
    #[arg(long)]
    annotations: bool,
}

/// Runs the selected trials and prints and writes the matrix.
pub(crate) fn run(opts: &Args) -> CliResult<ExitCode> {
    let profiles = profiles(&opts.adapters)?;
    let baseline = opts.baseline.as_deref().map(read_baseline).transpose()?;
    let all = stack::discover(&paths::stacks_dir())?;
    let stacks = suite::select_stacks(all, &opts.stacks, &profiles)?;
    for dir in &opts.fixtures {
        if !dir.is_dir() {
            return Err(format!("--fixtures {}: no such folder", dir.display()).into());
        }
    }
    let dirs = suite::fixture_dirs(&opts.fixtures, !opts.no_builtin);
    let trials: Vec<Trial> = suite::trials(&dirs, &stacks, &profiles)?
        .into_iter()
        .filter(|t| {
            opts.filters.is_empty() || opts.filters.iter().any(|f| t.name.contains(f.as_str()))
        })
        .collect();
    if opts.list {
        for t in &trials {
            println!("{}", t.name);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if trials.is_empty() {
        return Err(format!("no trial matches {}", opts.filters.join(" ")).into());
    }
    let (results, declarations) = judge_all(&trials, opts.jobs);
    for (trial, outcome) in trials.iter().zip(&results) {
        let message = match outcome {
            Outcome::Fail(failed) => Some(&failed.message),
            Outcome::StaleDeviation(message) => Some(message),
            _ => None,
        };
        if let Some(message) = message {
            eprintln!("\n---- {} ----\n{message}", trial.name);
            if let Some(at) = &trial.asked_at {
                eprintln!("asked for at {at}");
            }
        }
    }
    let pairs: Vec<(&Trial, &Outcome)> = trials.iter().zip(results.iter()).collect();
    let used: Vec<&Profile> = profiles.iter().map(|p| p.as_ref()).collect();
    let claims = suite::tie_claims(&declarations, &pairs);
    let matrix = Matrix::new(&used, &pairs).with_claims(claims);
    println!("\n{}", matrix.text());
    let report_dir = opts
        .report_dir
        .clone()
        .unwrap_or_else(|| paths::cache_dir().join("report"));
    matrix.write(&report_dir).map_err(IoError::doing(format!(
        "cannot write the report to {}",
        report_dir.display()
    )))?;
    println!(
        "astro-conform: reports written to {} (matrix.json, junit.xml, matrix.md, matrix.html)",
        report_dir.display()
    );
    if opts.annotations || astro_conform::report::in_github_actions() {
        for line in matrix.annotations() {
            println!("{line}");
        }
    }
    let failed = match (&baseline, &opts.baseline) {
        (Some(baseline), Some(file)) => regressed(&matrix, baseline, file),
        _ => matrix.failed(),
    };
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The profiles named (`all` for every one), or the default ones.
fn profiles(names: &[String]) -> CliResult<Vec<Arc<Profile>>> {
    let names = if names.is_empty() {
        adapter::DEFAULT_PROFILES.map(String::from).to_vec()
    } else {
        names.to_vec()
    };
    Ok(adapter::select(&names)?.into_iter().map(Arc::new).collect())
}

fn read_baseline(path: &Path) -> CliResult<Matrix> {
    let text = std::fs::read_to_string(path).map_err(IoError::doing(format!(
        "cannot read the baseline {}",
        path.display()
    )))?;
    Ok(serde_json::from_str(&text)
        .map_err(|e| format!("the baseline {} is not a matrix.json: {e}", path.display()))?)
}

/// Prints the regressions against `baseline`; true when there are any.
fn regressed(matrix: &Matrix, baseline: &Matrix, file: &Path) -> bool {
    let regressions = matrix.regressions(baseline);
    for r in &regressions {
        println!("regression: {r}");
    }
    println!(
        "astro-conform: {} regression(s) against {}",
        regressions.len(),
        file.display()
    );
    !regressions.is_empty()
}

/// Judges every trial on `jobs` workers (default: the cores) under a progress bar, and
/// returns the outcomes in the trials' order.
/// Judges every trial on `jobs` threads; the outcomes in trial order, and what the adapters
/// declared in the builds.
fn judge_all(trials: &[Trial], jobs: Option<usize>) -> (Vec<Outcome>, suite::Declarations) {
    let bar = ProgressBar::new(trials.len() as u64).with_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let printer = bar.clone();
    let runner =
        Runner::with_progress(move |m| println_above(&printer, &format!("astro-conform: {m}")));
    runner.plan(trials);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, trials.len());
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(trial) = trials.get(i) else { break };
                    bar.set_message(trial.name.clone());
                    let outcome = runner.judge(trial);
                    println_above(&bar, &format!("{} {}", mark(&outcome), trial.name));
                    bar.inc(1);
                    results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push((i, outcome));
                }
            });
        }
    });
    bar.finish_and_clear();
    eprintln!("astro-conform: {}", runner.usage());
    let declarations = runner.declarations();
    drop(runner);
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    (results.into_iter().map(|(_, o)| o).collect(), declarations)
}

/// The progress line's mark for an outcome.
fn mark(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Pass => "ok  ",
        Outcome::Fail(_) => "FAIL",
        Outcome::Deviation { .. } => "dev ",
        Outcome::StaleDeviation(_) => "STALE",
        Outcome::NotApplicable(_) => "n/a ",
    }
}
