//! The `astro-conform` command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use astro_conform::paths;
use astro_conform::perf::ab::{self, AbSettings};
use astro_conform::perf::bench::{self, Prepared, Variant};
use astro_conform::perf::{load, plot};
use astro_conform::pipeline::build::process;
use astro_conform::pipeline::build::{self, Adapter, BuildRequest};
use astro_conform::pipeline::discover::adapter::{self, Profile};
use astro_conform::pipeline::install::stack;
use astro_conform::pipeline::model;
use astro_conform::pipeline::serve::cpu;
use astro_conform::report::Matrix;
use astro_conform::suite::{self, Outcome, Runner, Trial};

/// Builds real Astro projects and shows, per route, whether Astro prerendered it (▶) or
/// renders it on demand (λ); runs the conformance suite of fixtures.
#[derive(Parser)]
#[command(name = "astro-conform", version, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build any Astro project and print its ▶/λ listing.
    ///
    /// The project folder is copied to a workdir and never modified. Its own
    /// astro.config.* is used; when it sets no adapter, @astrojs/node (standalone) is
    /// added so on-demand routes can build. Astro and Node come from the chosen stack
    /// (installed on first use). Astro's own decision per route is recorded by a probe
    /// integration and cross-checked against the build log and the files written.
    #[command(
        after_help = "Example:\n  astro-conform classify ./my-site --stack astro5\n\n\
        Exit status: 0 listing printed; 1 the build failed or the sources disagree; 2 bad usage."
    )]
    Classify {
        /// The project folder (with astro.config.* or src/pages/).
        project: PathBuf,
        /// The stack (Astro line) to build with: a folder name under stacks/.
        #[arg(long, default_value = "astro7")]
        stack: String,
        /// Print JSON (every route, with pattern, kind, origin, mode and files).
        #[arg(long)]
        json: bool,
        /// Build without adding an adapter (the project's own adapter, if any, is kept).
        #[arg(long)]
        no_adapter: bool,
        /// Also list routes Astro injects (/_image, server islands) and config redirects.
        #[arg(long)]
        all_routes: bool,
        /// Build again even if an identical build is cached.
        #[arg(long)]
        rebuild: bool,
    },
    /// Predict every route's ▶/λ from the project's files, say why, and lint them.
    ///
    /// No build and no npm: instant. The model reads what Astro reads: the literal
    /// `export const prerender = true|false` in each page and endpoint, the config's
    /// `output` and `adapter`, and its `redirects`. Lints name a stable code, a file and
    /// line, and a one-line fix.
    #[command(
        after_help = "Example:\n  astro-conform explain ./my-site --deny-warnings\n\n        Lints:\n          AC001 warning  a prerender flag that is not a literal (ignored by Astro)\n          AC002 warning  getStaticPaths on an on-demand route (ignored)\n          AC003 warning  a request-time API (Astro.cookies, Astro.request.headers, Astro.redirect, Astro.response, ...) in a prerendered route\n          AC004 error    an on-demand route, or output server, without an adapter (NoAdapterInstalled)\n          AC005 error    a server island without an adapter (NoAdapterInstalledServerIslands)\n          AC006 warning  an output setting that is not a literal\n          AC007 error    a prerendered dynamic page without getStaticPaths (GetStaticPathsRequired)\n\n        Exit status: 0 no errors (and no warnings with --deny-warnings); 1 otherwise; 2 bad usage."
    )]
    Explain {
        /// The project folder (with astro.config.* or src/pages/).
        project: PathBuf,
        /// Print JSON: output, adapter, routes (mode, why, file), build_error, lints.
        #[arg(long)]
        json: bool,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Whether an adapter is installed: read from the config, or assumed.
        #[arg(long, value_enum, default_value = "config")]
        adapter: AdapterAssumption,
    },
    /// Run the conformance suite through one or more adapters and print the matrix.
    ///
    /// Every fixture's checks run on every stack through each adapter profile; the result
    /// is a matrix check × adapter → pass / FAIL / known deviation / n/a, with a one-line
    /// reason for each non-pass. The same matrix is written as matrix.json, junit.xml and
    /// matrix.md into the report directory. Trials are named stack/adapter/fixture/check.
    /// Installs and builds are cached under target/astro-conform, so a re-run with nothing
    /// changed only re-checks.
    #[command(
        after_help = "Examples:\n  astro-conform run\n  astro-conform run --adapter all\n  astro-conform run --adapter ./my-adapter.toml --stack astro7\n  astro-conform run --stack astro5 hybrid\n  astro-conform run --list\n\n\
        Adapters: the profiles in adapters/ (see `astro-conform adapters`), or a path to your own.\n\
        Snapshots live in snapshots/; review changes with `cargo insta review`.\n\n\
        Exit status: 0 no failures (with --baseline: no regressions); 1 otherwise; 2 bad usage."
    )]
    Run(RunOptions),
    /// List the adapter profiles in adapters/.
    Adapters,
    /// Write an adapter's package.json for a stack and generate its lockfile.
    ///
    /// A profile that adds npm packages needs, per stack, a committed package.json and
    /// package-lock.json in <profile dir>/<adapter>/<stack>/: the stack's dependencies plus
    /// the profile's [packages]. This command writes both (it needs the npm registry).
    #[command(after_help = "Example:\n  astro-conform lock cloudflare --stack astro7")]
    Lock {
        /// Adapter profile: a name from adapters/ or a path to a .toml.
        adapter: String,
        /// Stacks to lock for (repeatable); default: those the profile runs on.
        #[arg(long = "stack")]
        stacks: Vec<String>,
    },
    /// Send HTTP/1.1 GET load to a URL and report req/s, latency percentiles and errors.
    ///
    /// By default a closed loop: each connection (kept alive) sends its next request when
    /// the previous response has been read. With --rate, requests are due at a fixed rate
    /// in all, and each latency counts from the time its request was due, so a stalled
    /// server shows in the percentiles instead of hiding (no coordinated omission).
    /// One thread drives every connection; pin it with --cpu away from the server's core.
    #[command(
        after_help = "Examples:\n  astro-conform load http://127.0.0.1:4321/ -c 16 -d 10\n  astro-conform load http://127.0.0.1:4321/api -c 8 --rate 2000 --json\n  astro-conform load http://127.0.0.1:4321/me -H 'cookie: name=Ada' --cpu 1\n\n\
        Latencies are kept in an HdrHistogram (1 µs to 10 min, 3 significant digits).\n\n\
        Exit status: 0 at least one response was read; 1 none was (see the errors); 2 bad usage."
    )]
    Load(LoadArgs),
    /// Measure the render throughput of a project's routes, and decide with an A/B run
    /// whether a change made them slower.
    ///
    /// The routes come from the project's bench.toml (default: fixtures/bench-routes, one
    /// route per kind: prerendered, cookie, JSON, streaming, 1,000-item list). Each variant
    /// (stack × adapter) is built and served as in `run`; the server is pinned to one core
    /// and the load generator to another. Each route gets a warm-up, then a closed-loop
    /// measurement. Results: a table, bench.json and bench.svg in --out.
    ///
    /// Absolute numbers on a shared machine move 10–15% between runs, so --compare only
    /// reports. To decide, use --ab A B: it runs forks (each a fresh server for A and for
    /// B on one core), loads both at once in short rounds, and judges the per-fork log
    /// ratios B/A by their t-interval: slower when the interval lies below no-change and
    /// the estimate beyond the threshold; no change when the interval lies within the
    /// threshold; otherwise another fork, up to --max-forks (then: inconclusive).
    #[command(
        after_help = "Examples:\n  astro-conform bench\n  astro-conform bench --stack astro7 --route cookie --save main\n  astro-conform bench --stack astro7 --compare main\n  astro-conform bench --ab stack=astro5 stack=astro7\n  astro-conform bench --ab project=../site-main project=../site-branch --route home\n  astro-conform bench --ab adapter=node adapter=node-middleware --repeat 5\n\n\
        A variant is key=value pairs joined by commas over the defaults of --project,\n\
        --stack and --adapter: project=DIR, stack=NAME, adapter=NAME|PATH, and\n\
        env.NAME=VALUE for the server's environment.\n\n\
        Exit status: 0 measured (with --ab: nothing judged slower); 1 a route answered\n\
        errors or non-2xx statuses, or (with --ab) a route was judged slower; 2 bad usage."
    )]
    Bench(BenchArgs),
}

/// The options of `bench`.
#[derive(clap::Args)]
struct BenchArgs {
    /// The project whose bench.toml lists the routes [default: fixtures/bench-routes].
    #[arg(long)]
    project: Option<PathBuf>,
    /// Only these routes (names from bench.toml; repeatable).
    #[arg(long = "route")]
    routes: Vec<String>,
    /// Stacks to measure (repeatable) [default: the default stacks; astro7 for --ab].
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
    /// Where bench.json and bench.svg (or ab.json and ab.svg) are written.
    #[arg(long, default_value = "target/astro-conform/bench")]
    out: PathBuf,
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
    /// Round pairs per route and fork with --ab.
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

/// The options of `load`.
#[derive(clap::Args)]
struct LoadArgs {
    /// The URL to GET (http:// only).
    url: String,
    /// Keep-alive connections.
    #[arg(short = 'c', long, default_value_t = 10)]
    connections: usize,
    /// Seconds to send for.
    #[arg(short = 'd', long, default_value_t = 10.0)]
    duration: f64,
    /// Requests per second in all (fixed arrival rate) instead of a closed loop.
    #[arg(long)]
    rate: Option<f64>,
    /// A request header, `name: value` (repeatable).
    #[arg(short = 'H', long = "header")]
    headers: Vec<String>,
    /// Seconds before a request counts as a timeout and its connection is replaced.
    #[arg(long, default_value_t = 5.0)]
    timeout: f64,
    /// Pin the load generator to this core.
    #[arg(long)]
    cpu: Option<usize>,
    /// Stop after this many requests (or the duration, whichever comes first).
    #[arg(short = 'n', long)]
    requests: Option<u64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Where `explain` takes adapter presence from.
#[derive(Clone, Copy, clap::ValueEnum)]
enum AdapterAssumption {
    /// The config's `adapter` field.
    Config,
    /// An adapter is installed (as when astro-conform builds).
    Yes,
    /// No adapter.
    No,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    process::install_interrupt_handler();
    process::install_quiet_panic_hook();
    let result = match cli.command {
        Command::Classify {
            project,
            stack,
            json,
            no_adapter,
            all_routes,
            rebuild,
        } => classify(&project, &stack, json, no_adapter, all_routes, !rebuild),
        Command::Explain {
            project,
            json,
            deny_warnings,
            adapter,
        } => explain(&project, json, deny_warnings, adapter),
        Command::Run(options) => run(&options),
        Command::Adapters => list_adapters(),
        Command::Lock { adapter, stacks } => lock(&adapter, &stacks),
        Command::Load(args) => load(&args),
        Command::Bench(args) => bench_command(&args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn explain(
    project: &std::path::Path,
    json: bool,
    deny_warnings: bool,
    adapter: AdapterAssumption,
) -> Result<ExitCode, String> {
    let model = model::Project::read(project).map_err(|e| e.to_string())?;
    let assumed = match adapter {
        AdapterAssumption::Config => None,
        AdapterAssumption::Yes => Some(true),
        AdapterAssumption::No => Some(false),
    };
    let prediction = model::predict(&model, assumed);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&prediction).map_err(|e| e.to_string())?
        );
    } else {
        let adapter = match (adapter, prediction.adapter) {
            (AdapterAssumption::Config, true) => "set in the config",
            (AdapterAssumption::Config, false) => "none in the config",
            (_, true) => "assumed",
            (_, false) => "assumed none",
        };
        println!("output: {} · adapter: {adapter}", prediction.output);
        print!("{}", prediction.explain_listing());
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
    Ok(if prediction.fails(deny_warnings) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn spinner(message: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn classify(
    project: &std::path::Path,
    stack_name: &str,
    json: bool,
    no_adapter: bool,
    all_routes: bool,
    use_cache: bool,
) -> Result<ExitCode, String> {
    build::check_project(project).map_err(|e| e.to_string())?;
    let stack = stack::find(&paths::stacks_dir(), stack_name).map_err(|e| e.to_string())?;
    let tools = stack::Tools::from_env().map_err(|e| e.to_string())?;
    let bar = spinner(format!("preparing stack {stack_name}"));
    let installed = stack::install(&stack, &tools, &|m| bar.set_message(m.to_string()))
        .map_err(|e| e.to_string())?;
    bar.set_message(format!(
        "building {} with astro {} on Node {} ({})",
        project.display(),
        installed.astro_version,
        installed.node.version,
        installed.node.origin
    ));
    let label = build::project_label(project);
    let built = build::build(&BuildRequest {
        label: &label,
        project,
        stack: &installed,
        adapter: &if no_adapter {
            Adapter::none()
        } else {
            Adapter::node()
        },
        use_cache,
    })
    .map_err(|e| e.to_string())?;
    bar.finish_and_clear();
    let classification = suite::classify_build(&built)?;
    if json {
        let doc = serde_json::json!({
            "stack": stack_name,
            "astro": installed.astro_version,
            "output": classification.output,
            "adapter": classification.adapter,
            "routes": classification.routes,
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        print!("{}", classification.listing(all_routes));
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints a line above the progress bar, or to stderr when there is no terminal to draw on.
fn println_above(bar: &ProgressBar, line: &str) {
    if bar.is_hidden() {
        eprintln!("{line}");
    } else {
        bar.println(line);
    }
}

/// The options of `run`.
#[derive(clap::Args)]
struct RunOptions {
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
    /// Print the trial names and exit, building nothing.
    #[arg(long)]
    list: bool,
    /// Trials run at once (default: the number of cores).
    #[arg(long, short)]
    jobs: Option<usize>,
    /// Where matrix.json, junit.xml and matrix.md are written.
    #[arg(long, default_value = "target/astro-conform/report")]
    report_dir: PathBuf,
    /// A previous matrix.json: fail only on checks that fail now but did not then.
    #[arg(long)]
    baseline: Option<PathBuf>,
}

fn run(opts: &RunOptions) -> Result<ExitCode, String> {
    let names = if opts.adapters.is_empty() {
        adapter::DEFAULT_PROFILES.map(String::from).to_vec()
    } else {
        opts.adapters.clone()
    };
    let profiles: Vec<Arc<Profile>> = adapter::select(&names)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(Arc::new)
        .collect();
    let baseline: Option<Matrix> = match &opts.baseline {
        None => None,
        Some(path) => Some(
            std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))
                .and_then(|t| {
                    serde_json::from_str(&t).map_err(|e| {
                        format!("the baseline {} is not a matrix.json: {e}", path.display())
                    })
                })?,
        ),
    };
    let all = stack::discover(&paths::stacks_dir()).map_err(|e| e.to_string())?;
    let stacks = suite::select_stacks(all, &opts.stacks, &profiles)?;
    let trials: Vec<Trial> = suite::trials(&paths::fixtures_dir(), &stacks, &profiles)?
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
        return Err(format!("no trial matches {}", opts.filters.join(" ")));
    }
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
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, Outcome)>> = Mutex::new(Vec::new());
    let jobs = opts
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, trials.len());
    let trials = Arc::new(trials);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(trial) = trials.get(i) else { break };
                    bar.set_message(trial.name.clone());
                    let outcome = runner.judge(trial);
                    let mark = match &outcome {
                        Outcome::Pass => "ok  ",
                        Outcome::Fail(_) => "FAIL",
                        Outcome::Deviation { .. } => "dev ",
                        Outcome::StaleDeviation(_) => "STALE",
                        Outcome::NotApplicable(_) => "n/a ",
                    };
                    println_above(&bar, &format!("{mark} {}", trial.name));
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
    drop(runner);
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    for (i, outcome) in &results {
        if let Outcome::Fail(message) | Outcome::StaleDeviation(message) = outcome {
            eprintln!("\n---- {} ----\n{message}", trials[*i].name);
        }
    }
    let pairs: Vec<(&Trial, &Outcome)> = results.iter().map(|(i, o)| (&trials[*i], o)).collect();
    let used: Vec<&Profile> = profiles.iter().map(|p| p.as_ref()).collect();
    let matrix = Matrix::new(&used, &pairs);
    println!("\n{}", matrix.text());
    matrix.write(&opts.report_dir).map_err(|e| {
        format!(
            "cannot write the report to {}: {e}",
            opts.report_dir.display()
        )
    })?;
    println!(
        "astro-conform: reports written to {} (matrix.json, junit.xml, matrix.md)",
        opts.report_dir.display()
    );
    let failed = match &baseline {
        Some(baseline) => {
            let regressions = matrix.regressions(baseline);
            for r in &regressions {
                println!("regression: {r}");
            }
            println!(
                "astro-conform: {} regression(s) against {}",
                regressions.len(),
                opts.baseline.as_deref().unwrap_or(Path::new("")).display()
            );
            !regressions.is_empty()
        }
        None => matrix.failed(),
    };
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn list_adapters() -> Result<ExitCode, String> {
    let profiles = adapter::discover(&adapter::adapters_dir()).map_err(|e| e.to_string())?;
    for p in profiles {
        let stacks = p
            .stacks
            .as_ref()
            .map_or("default stacks".to_string(), |s| s.join(", "));
        let ours = match p.runner {
            adapter::Runner::Ours => " · runner: ours",
            adapter::Runner::Adapter => "",
        };
        println!("{:16} {} ({stacks}{ours})", p.name, p.description);
    }
    Ok(ExitCode::SUCCESS)
}

fn lock(name: &str, stack_names: &[String]) -> Result<ExitCode, String> {
    let profile = adapter::find(name).map_err(|e| e.to_string())?;
    if profile.packages.is_empty() {
        println!(
            "adapter `{}` adds no packages: it runs on the stacks' own lockfiles",
            profile.name
        );
        return Ok(ExitCode::SUCCESS);
    }
    let all = stack::discover(&paths::stacks_dir()).map_err(|e| e.to_string())?;
    let names: Vec<String> = if stack_names.is_empty() {
        profile.stacks.clone().unwrap_or_else(|| {
            all.iter()
                .filter(|s| s.default)
                .map(|s| s.name.clone())
                .collect()
        })
    } else {
        stack_names.to_vec()
    };
    let tools = stack::Tools::from_env().map_err(|e| e.to_string())?;
    for name in &names {
        let stack = stack::find(&paths::stacks_dir(), name).map_err(|e| e.to_string())?;
        let dir = profile.lock_dir(&stack);
        let manifest = profile.manifest(&stack).map_err(|e| e.to_string())?;
        std::fs::create_dir_all(&dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
        let text = serde_json::to_string_pretty(&manifest).unwrap_or_default() + "\n";
        std::fs::write(dir.join("package.json"), text)
            .map_err(|e| format!("writing {}: {e}", dir.display()))?;
        let bar = spinner(format!("locking {} for {name} (npm)", profile.name));
        let status = std::process::Command::new(&tools.node.binary)
            .arg(paths::stacks_dir().join("relock.mjs"))
            .arg(&dir)
            .env("PATH", &tools.path_var)
            .status()
            .map_err(|e| format!("cannot run relock.mjs: {e}"))?;
        bar.finish_and_clear();
        if !status.success() {
            return Err(format!(
                "locking {} for {name} failed ({status}); check that every package in [packages] of {} exists at that version",
                profile.name,
                profile.file.display()
            ));
        }
        println!("wrote {}/package.json and package-lock.json", dir.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn seconds(flag: &str, value: f64) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{flag} must be a positive number of seconds, not {value}"))
}

fn load(args: &LoadArgs) -> Result<ExitCode, String> {
    let mut target = load::Target::parse(&args.url).map_err(|e| e.to_string())?;
    for header in &args.headers {
        let (name, value) = header
            .split_once(':')
            .ok_or_else(|| format!("--header `{header}` is not `name: value`"))?;
        target = target.with_header(name, value).map_err(|e| e.to_string())?;
    }
    let options = load::LoadOptions {
        target,
        connections: args.connections,
        duration: seconds("--duration", args.duration)?,
        rate: args.rate,
        timeout: seconds("--timeout", args.timeout)?,
        cpu: args.cpu,
        requests: args.requests,
    };
    if !args.json {
        eprintln!(
            "sending to {} for {:.1} s over {} connection(s)...",
            args.url, args.duration, args.connections
        );
    }
    let report = load::run(&options).map_err(|e| e.to_string())?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?
        );
    } else {
        print!("{}", report.text());
    }
    Ok(if report.requests == 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn bench_command(args: &BenchArgs) -> Result<ExitCode, String> {
    let fail = |e: bench::BenchError| e.to_string();
    if args.repeat == 0 || args.rounds == 0 || args.min_forks < 2 {
        return Err("--repeat and --rounds must be at least 1, --min-forks at least 2".into());
    }
    if args.max_forks < args.min_forks {
        return Err("--max-forks must be at least --min-forks".into());
    }
    if !(0.0..100.0).contains(&args.threshold) || !(50.0..100.0).contains(&args.confidence) {
        return Err("--threshold must be in 0..100 and --confidence in 50..100 (percent)".into());
    }
    // Baseline names and the baseline to compare with are checked before measuring.
    let save_file = match &args.save {
        Some(name) => Some(bench::baseline_file(&args.baseline_dir, name).map_err(fail)?),
        None => None,
    };
    let baseline: Option<bench::BenchReport> = match &args.compare {
        Some(name) => {
            let file = bench::baseline_file(&args.baseline_dir, name).map_err(fail)?;
            if !file.is_file() {
                return Err(format!(
                    "there is no baseline `{name}` ({}); keep one with `bench --save {name}`",
                    file.display()
                ));
            }
            Some(bench::read_json(&file).map_err(fail)?)
        }
        None => None,
    };
    if !args.ab.is_empty() && (save_file.is_some() || baseline.is_some()) {
        return Err("--save and --compare are for a plain bench run, not --ab".into());
    }
    let placement = cpu::Placement::split();
    let settings = bench::Settings {
        connections: args.connections,
        duration: seconds(
            "--duration",
            args.duration.unwrap_or(if args.ab.is_empty() {
                5.0
            } else {
                ab::ROUND_SECONDS
            }),
        )?,
        warmup: {
            let warmup = args.warmup.unwrap_or(if args.ab.is_empty() {
                2.0
            } else {
                ab::WARMUP_SECONDS
            });
            Duration::try_from_secs_f64(warmup)
                .map_err(|_| format!("--warmup must be a number of seconds, not {warmup}"))?
        },
        timeout: Duration::from_secs(10),
        client_cpu: placement.client,
    };
    let default_stack = if args.ab.is_empty() {
        None
    } else {
        Some("astro7")
    };
    let stacks: Vec<String> = match (args.stacks.is_empty(), default_stack) {
        (false, _) => args.stacks.clone(),
        (true, Some(s)) => vec![s.to_string()],
        (true, None) => stack::discover(&paths::stacks_dir())
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter(|s| s.default)
            .map(|s| s.name)
            .collect(),
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
    let variants: Vec<Variant> = if args.ab.is_empty() {
        stacks
            .iter()
            .flat_map(|s| adapters.iter().map(move |a| base(s, a)))
            .collect()
    } else {
        let base = base(&stacks[0], &adapters[0]);
        args.ab
            .iter()
            .map(|spec| Variant::parse(spec, &base))
            .collect::<Result<_, _>>()
            .map_err(fail)?
    };
    let bar = spinner("preparing".into());
    let runner = {
        let bar = bar.clone();
        Runner::with_progress(move |m| bar.set_message(m.to_string()))
    };
    let mut prepared: Vec<Prepared> = Vec::new();
    for variant in &variants {
        bar.set_message(format!("building {}", variant.label()));
        prepared
            .push(bench::prepare(variant, &runner, &args.routes, placement.server).map_err(fail)?);
    }
    let progress = |m: &str| bar.set_message(m.to_string());
    if args.ab.is_empty() {
        let served = prepared
            .iter()
            .map(Prepared::start)
            .collect::<Result<Vec<_>, _>>()
            .map_err(fail)?;
        let report = bench::bench(&served, &settings, &progress).map_err(fail)?;
        bar.finish_and_clear();
        write_results(
            &args.out,
            "bench",
            &report,
            &plot::bench_svg(&report),
            args.json,
        )?;
        if !args.json {
            print!("{}", report.table());
        }
        if let Some(baseline) = &baseline {
            println!();
            print!("{}", report.compare(baseline, args.threshold / 100.0));
        }
        if let Some(file) = &save_file {
            bench::write_json(file, &report).map_err(fail)?;
            eprintln!("astro-conform: saved the baseline as {}", file.display());
        }
        let problems = report.problems();
        for p in &problems {
            eprintln!("NOT A RENDER  {p}");
        }
        return Ok(if problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        });
    }
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
        reports.push(
            ab::ab(
                &prepared[0],
                &prepared[1],
                &settings,
                &ab_settings,
                &progress,
            )
            .map_err(fail)?,
        );
    }
    bar.finish_and_clear();
    write_results(
        &args.out,
        "ab",
        &reports,
        &plot::ab_svg(&reports),
        args.json,
    )?;
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

/// Writes `<out>/<stem>.json` and `<out>/<stem>.svg`, says so on stderr, and prints the
/// JSON on stdout when asked.
fn write_results(
    out: &Path,
    stem: &str,
    value: &impl serde::Serialize,
    svg: &str,
    print_json: bool,
) -> Result<(), String> {
    let (json_file, svg_file) = (
        out.join(format!("{stem}.json")),
        out.join(format!("{stem}.svg")),
    );
    bench::write_json(&json_file, value).map_err(|e| e.to_string())?;
    std::fs::write(&svg_file, svg).map_err(|e| format!("writing {}: {e}", svg_file.display()))?;
    if print_json {
        println!(
            "{}",
            serde_json::to_string_pretty(value).map_err(|e| e.to_string())?
        );
    }
    eprintln!(
        "astro-conform: wrote {} and {}",
        json_file.display(),
        svg_file.display()
    );
    Ok(())
}
