//! The `astro-conform` command line.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use astro_conform::build::{self, Adapter, BuildRequest};
use astro_conform::suite::{self, Runner, Trial};
use astro_conform::{paths, process, rules, stack};

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
    /// Run the conformance suite (every fixture on every stack) with a progress bar.
    ///
    /// Trials are named stack/adapter/fixture/check. Installs and builds are cached under
    /// target/astro-conform, so a re-run with nothing changed only re-checks.
    #[command(
        after_help = "Examples:\n  astro-conform run\n  astro-conform run --stack astro5 hybrid\n  astro-conform run --list\n\n\
        Snapshots live in snapshots/; review changes with `cargo insta review`."
    )]
    Run {
        /// Run only trials whose name contains one of these substrings.
        filters: Vec<String>,
        /// Only these stacks (repeatable); default: all in stacks/.
        #[arg(long = "stack")]
        stacks: Vec<String>,
        /// Print the trial names and exit, building nothing.
        #[arg(long)]
        list: bool,
        /// Trials run at once (default: the number of cores).
        #[arg(long, short)]
        jobs: Option<usize>,
    },
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
        Command::Run {
            filters,
            stacks,
            list,
            jobs,
        } => run(&filters, &stacks, list, jobs),
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
    let model = rules::Project::read(project).map_err(|e| e.to_string())?;
    let assumed = match adapter {
        AdapterAssumption::Config => None,
        AdapterAssumption::Yes => Some(true),
        AdapterAssumption::No => Some(false),
    };
    let prediction = rules::predict(&model, assumed);
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
            .filter(|l| l.severity == rules::Severity::Error)
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
    let label = project
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "project".into());
    let built = build::build(&BuildRequest {
        label: &label,
        project,
        stack: &installed,
        adapter: if no_adapter {
            Adapter::None
        } else {
            Adapter::Node
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

fn run(
    filters: &[String],
    stack_names: &[String],
    list: bool,
    jobs: Option<usize>,
) -> Result<ExitCode, String> {
    let mut stacks = stack::discover(&paths::stacks_dir()).map_err(|e| e.to_string())?;
    for name in stack_names {
        stack::find(&paths::stacks_dir(), name).map_err(|e| e.to_string())?;
    }
    if !stack_names.is_empty() {
        stacks.retain(|s| stack_names.contains(&s.name));
    }
    let trials: Vec<Trial> = suite::trials(&paths::fixtures_dir(), &stacks)?
        .into_iter()
        .filter(|t| filters.is_empty() || filters.iter().any(|f| t.name.contains(f.as_str())))
        .collect();
    if list {
        for t in &trials {
            println!("{}", t.name);
        }
        return Ok(ExitCode::SUCCESS);
    }
    if trials.is_empty() {
        return Err(format!("no trial matches {}", filters.join(" ")));
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
    let results: Mutex<Vec<(usize, Result<(), String>)>> = Mutex::new(Vec::new());
    let jobs = jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, trials.len());
    let trials = Arc::new(trials);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(trial) = trials.get(i) else { break };
                    let outcome = if trial.skipped.is_some() {
                        Ok(())
                    } else {
                        bar.set_message(trial.name.clone());
                        runner.run(trial)
                    };
                    let mark = match (&trial.skipped, &outcome) {
                        (Some(why), _) => format!("skip {} ({why})", trial.name),
                        (None, Ok(())) => format!("ok   {}", trial.name),
                        (None, Err(_)) => format!("FAIL {}", trial.name),
                    };
                    println_above(&bar, &mark);
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
    let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for (i, outcome) in &results {
        let trial = &trials[*i];
        match outcome {
            _ if trial.skipped.is_some() => skipped += 1,
            Ok(()) => passed += 1,
            Err(message) => {
                failed += 1;
                eprintln!("\n---- {} ----\n{message}", trial.name);
            }
        }
    }
    println!("\nastro-conform: {passed} passed, {failed} failed, {skipped} skipped");
    Ok(if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
