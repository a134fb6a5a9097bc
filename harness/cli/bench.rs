//! `astro-conform bench`: throughput of a route set, baselines, and the A/B decision.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use astro_conform::paths;
use astro_conform::perf::ab::{self, AbSettings};
use astro_conform::perf::baseline;
use astro_conform::perf::bench;
use astro_conform::perf::plot;
use astro_conform::perf::trackers;
use astro_conform::perf::variant::{self, Prepared, Variant};
use astro_conform::pipeline::install::{own, stack};
use astro_conform::pipeline::serve::cpu;
use astro_conform::pipeline::session::Session;

use crate::output::{CliResult, seconds, spinner, write_results, write_tracker_files};

/// The options of `bench`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The project whose bench.toml lists the routes [default: fixtures/bench-routes].
    #[arg(long)]
    project: Option<PathBuf>,
    /// Only these routes (names from bench.toml; repeatable).
    #[arg(long = "route")]
    routes: Vec<String>,
    /// Stacks to measure (repeatable) [default: the default stacks; for --ab, the default stack with the newest Astro (astro7)].
    #[arg(long = "stack")]
    stacks: Vec<String>,
    /// Adapter profiles to measure (repeatable) [default: node].
    #[arg(long = "adapter", short = 'a')]
    adapters: Vec<String>,
    /// Keep-alive connections.
    #[arg(short = 'c', long, default_value_t = 8)]
    connections: usize,
    /// Seconds of measurement per route [default: 5; 0.5 per round with --ab].
    #[arg(short = 'd', long)]
    duration: Option<f64>,
    /// Seconds of load per route before measuring [default: 2; with --ab, per fork, both
    /// servers at once].
    #[arg(long)]
    warmup: Option<f64>,
    /// Where bench.json and bench.svg (or ab.json and ab.svg) are written (default:
    /// `bench/` in the cache directory).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
    /// Keep this run as baseline NAME (in --baseline-dir).
    #[arg(long, value_name = "NAME")]
    save: Option<String>,
    /// Compare with baseline NAME (reports only; decide with --ab).
    #[arg(long, value_name = "NAME")]
    compare: Option<String>,
    /// Where baselines are kept.
    #[arg(long, default_value = ".astro-conform/baselines")]
    baseline_dir: PathBuf,
    /// Compare two variants in one run, e.g. `--ab stack=astro5 stack=astro7`.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    ab: Vec<String>,
    /// Rounds per route and fork with --ab (A and B loaded at once in each).
    #[arg(long, default_value_t = AbSettings::default().rounds)]
    rounds: usize,
    /// With --ab, forks (fresh server pairs) before the first verdict.
    #[arg(long, default_value_t = AbSettings::default().min_forks)]
    min_forks: usize,
    /// With --ab, forks at the most; a route still undecided is inconclusive.
    #[arg(long, default_value_t = AbSettings::default().max_forks)]
    max_forks: usize,
    /// With --ab, the smallest slowdown in percent worth a verdict.
    #[arg(long, default_value_t = AbSettings::default().threshold * 100.0)]
    threshold: f64,
    /// With --ab, the confidence of the interval in percent.
    #[arg(long, default_value_t = 95.0)]
    confidence: f64,
    /// With --ab, run the whole comparison this many times and report how often each
    /// route was judged slower.
    #[arg(long, default_value_t = 1)]
    repeat: usize,
}

/// Measures (or compares) and prints; exit 1 on a failed render or a slower verdict.
pub(crate) fn run(args: &Args) -> CliResult<ExitCode> {
    check_numbers(args)?;
    // Baseline names and the baseline to compare with are checked before measuring.
    let (save_file, baseline) = baselines(args)?;
    let placement = cpu::Placement::split();
    let settings = settings(args, placement.client)?;
    let variants = variants(args)?;
    let bar = spinner("preparing".into());
    let session = {
        let bar = bar.clone();
        Session::with_progress(move |m| bar.set_message(m.to_string()))
    };
    let mut prepared: Vec<Prepared> = Vec::new();
    for variant in &variants {
        bar.set_message(format!("building {}", variant.label()));
        prepared.push(variant::prepare(
            variant,
            &session,
            &args.routes,
            placement.server,
        )?);
    }
    let code = if args.ab.is_empty() {
        measure(
            args,
            &prepared,
            &settings,
            &bar,
            baseline.as_ref(),
            save_file,
        )
    } else {
        compare(args, &prepared, &settings, &bar)
    };
    bar.finish_and_clear();
    code
}

fn check_numbers(args: &Args) -> CliResult<()> {
    if args.repeat == 0 || args.rounds == 0 || args.min_forks < 2 {
        return Err("--repeat and --rounds must be at least 1, --min-forks at least 2".into());
    }
    if args.max_forks < args.min_forks {
        return Err("--max-forks must be at least --min-forks".into());
    }
    if !(0.0..100.0).contains(&args.threshold) || !(50.0..100.0).contains(&args.confidence) {
        return Err("--threshold must be in 0..100 and --confidence in 50..100 (percent)".into());
    }
    Ok(())
}

/// The file `--save` writes and the baseline `--compare` reads, both checked up front.
fn baselines(args: &Args) -> Result<(Option<PathBuf>, Option<bench::BenchReport>), String> {
    let fail = |e: astro_conform::perf::error::BenchError| e.to_string();
    let save_file = match &args.save {
        Some(name) => Some(baseline::baseline_file(&args.baseline_dir, name).map_err(fail)?),
        None => None,
    };
    let baseline = match &args.compare {
        Some(name) => {
            let file = baseline::baseline_file(&args.baseline_dir, name).map_err(fail)?;
            if !file.is_file() {
                return Err(format!(
                    "there is no baseline `{name}` ({}); keep one with `bench --save {name}`",
                    file.display()
                ));
            }
            Some(baseline::read_json(&file).map_err(fail)?)
        }
        None => None,
    };
    if !args.ab.is_empty() && (save_file.is_some() || baseline.is_some()) {
        return Err("--save and --compare are for a plain bench run, not --ab".into());
    }
    Ok((save_file, baseline))
}

/// Durations from the flags, with the defaults of a plain bench or of `--ab`.
fn settings(args: &Args, client_cpu: Option<usize>) -> CliResult<bench::Settings> {
    let plain = args.ab.is_empty();
    let duration = args
        .duration
        .unwrap_or(if plain { 5.0 } else { ab::ROUND_SECONDS });
    let warmup = args
        .warmup
        .unwrap_or(if plain { 2.0 } else { ab::WARMUP_SECONDS });
    Ok(bench::Settings {
        connections: args.connections,
        duration: seconds("--duration", duration)?,
        warmup: Duration::try_from_secs_f64(warmup)
            .map_err(|_| format!("--warmup must be a number of seconds, not {warmup}"))?,
        timeout: Duration::from_secs(10),
        client_cpu,
    })
}

/// Every stack × adapter for a plain bench; A and B over the first of each for `--ab`.
fn variants(args: &Args) -> CliResult<Vec<Variant>> {
    let project = args.project.as_deref().map(Path::new);
    let stacks: Vec<String> = if !args.stacks.is_empty() {
        args.stacks.clone()
    } else if project.is_some_and(own::has_installed_astro) {
        // A project with its own packages is measured with them.
        vec![own::OWN.into()]
    } else if !args.ab.is_empty() {
        vec![stack::preferred(&paths::stacks_dir())?.name]
    } else {
        stack::discover(&paths::stacks_dir())?
            .into_iter()
            .filter(|s| s.default)
            .map(|s| s.name)
            .collect()
    };
    let adapters = if args.adapters.is_empty() {
        vec!["node".to_string()]
    } else {
        args.adapters.clone()
    };
    let base = |stack: &str, adapter: &str| Variant {
        project: args
            .project
            .clone()
            .unwrap_or_else(|| Variant::default_for(stack).project),
        stack: stack.into(),
        adapter: adapter.into(),
        env: Default::default(),
    };
    if args.ab.is_empty() {
        return Ok(stacks
            .iter()
            .flat_map(|s| adapters.iter().map(move |a| base(s, a)))
            .collect());
    }
    let base = base(&stacks[0], &adapters[0]);
    Ok(args
        .ab
        .iter()
        .map(|spec| Variant::parse(spec, &base))
        .collect::<Result<_, _>>()?)
}

/// A plain bench: every variant's routes in turn, then the table, the baseline
/// comparison and the saved baseline.
fn measure(
    args: &Args,
    prepared: &[Prepared],
    settings: &bench::Settings,
    bar: &indicatif::ProgressBar,
    baseline: Option<&bench::BenchReport>,
    save_file: Option<PathBuf>,
) -> CliResult<ExitCode> {
    let fail = |e: astro_conform::perf::error::BenchError| e.to_string();
    let served = prepared
        .iter()
        .map(Prepared::start)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let progress = |m: &str| bar.set_message(m.to_string());
    let report = bench::bench(&served, settings, &progress).map_err(fail)?;
    bar.finish_and_clear();
    let svg = plot::bench_svg(&report);
    let out = out_dir(args);
    write_results(&out, "bench", &report, &svg, args.json)?;
    write_tracker_files(&out, "bench", &trackers::bench_files(&report))?;
    if !args.json {
        print!("{}", report.table());
    }
    if let Some(baseline) = baseline {
        println!();
        print!("{}", report.compare(baseline, args.threshold / 100.0));
    }
    if let Some(file) = &save_file {
        baseline::write_json(file, &report).map_err(fail)?;
        eprintln!("astro-conform: saved the baseline as {}", file.display());
    }
    let problems = report.problems();
    for p in &problems {
        eprintln!("NOT A RENDER  {p}");
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Where results go: `--out`, or `bench/` in the cache.
fn out_dir(args: &Args) -> PathBuf {
    args.out
        .clone()
        .unwrap_or_else(|| paths::cache_dir().join("bench"))
}

/// `--ab`: the comparison, `--repeat` times, then the tables and the tally.
fn compare(
    args: &Args,
    prepared: &[Prepared],
    settings: &bench::Settings,
    bar: &indicatif::ProgressBar,
) -> CliResult<ExitCode> {
    let ab_settings = AbSettings {
        rounds: args.rounds,
        threshold: args.threshold / 100.0,
        confidence: args.confidence / 100.0,
        min_forks: args.min_forks,
        max_forks: args.max_forks,
    };
    let mut reports = Vec::new();
    for run in 0..args.repeat {
        let progress =
            |m: &str| bar.set_message(format!("A/B run {}/{}: {m}", run + 1, args.repeat));
        let (a, b) = (&prepared[0], &prepared[1]);
        reports.push(ab::ab(a, b, settings, &ab_settings, &progress)?);
    }
    bar.finish_and_clear();
    let svg = plot::ab_svg(&reports);
    let out = out_dir(args);
    write_results(&out, "ab", &reports, &svg, args.json)?;
    write_tracker_files(&out, "ab", &trackers::ab_files(&reports))?;
    if !args.json {
        for report in &reports {
            print!("{}", report.table());
        }
        if reports.len() > 1 {
            println!();
            print!("{}", ab::tally(&reports));
        }
    }
    let slower = reports.iter().any(|r| !r.slower().is_empty());
    Ok(if slower {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
