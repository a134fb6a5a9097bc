//! The `astro-conform` command line: parses and dispatches, one module per command.

mod adapters;
mod bench;
mod check;
mod classify;
mod exit;
mod explain;
mod init;
mod listing;
mod load;
mod output;
mod run;
mod upgrade;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use astro_conform::process;

/// Builds real Astro projects and shows, per route, whether Astro prerendered it (▶) or
/// renders it on demand (λ); runs the conformance suite of fixtures.
#[derive(Parser)]
#[command(
    name = "astro-conform",
    version,
    propagate_version = true,
    after_help = "Exit status (every command): 0 passed; 1 a check failed; 2 bad usage or a bad input\n\
    file or ASTRO_CONFORM_* value; 3 the environment failed (Node, npm, an install, a server that\n\
    never became ready, I/O). Each command's --help says what its 1 means."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build any Astro project and print its ▶/λ listing.
    ///
    /// The project folder is copied to a workdir and never modified. Its own
    /// astro.config.* is used. A project with its own installed packages (node_modules)
    /// is built with them: its Astro, adapter and integrations. Otherwise, or with
    /// --stack, a stack's packages are used (installed on first use), and @astrojs/node
    /// (standalone) is added when the config sets no adapter, so on-demand routes can
    /// build. Node comes from a stack either way. Astro's own decision per route is
    /// recorded by a probe integration and cross-checked against the build log and the
    /// files written.
    #[command(
        after_help = "Example:\n  astro-conform classify ./my-site --stack astro5\n\n\
        Exit status: 0 listing printed; 1 the build failed or the sources disagree; 2 bad usage\n\
        or not a project; 3 the environment failed (Node, npm, an install, I/O)."
    )]
    Classify(classify::Args),
    /// Predict every route's ▶/λ from the project's files, say why, and lint them.
    ///
    /// No build and no npm: instant. The model reads what Astro reads: the literal
    /// `export const prerender = true|false` in each page and endpoint, the config's
    /// `output` and `adapter`, and its `redirects`. Lints name a stable code, a file and
    /// line, and a one-line fix.
    #[command(
        after_help = format!(
            "Example:\n  astro-conform explain ./my-site --deny-warnings\n\nLints:\n{}\n\nExit status: 0 no errors (and no warnings with --deny-warnings); 1 otherwise; 2 bad usage or not a project; 3 a file could not be read.",
            astro_conform::pipeline::model::LintCode::help_table()
        )
    )]
    Explain(explain::Args),
    /// Run the conformance suite through one or more adapters and print the matrix.
    ///
    /// Every fixture's checks run on every stack through each adapter profile; the result
    /// is a matrix check × adapter → pass / FAIL / known deviation / n/a, with a one-line
    /// reason for each non-pass. The same matrix is written as matrix.json, junit.xml and
    /// matrix.md into the report directory. Trials are named stack/adapter/fixture/check.
    /// Installs and builds are cached (in the user's cache directory, or
    /// $ASTRO_CONFORM_CACHE), so a re-run with nothing changed only re-checks.
    #[command(
        after_help = "Examples:\n  astro-conform run\n  astro-conform run --adapter all\n  astro-conform run --adapter ./my-adapter.toml --stack astro7\n  astro-conform run --stack astro5 hybrid\n  astro-conform run --list\n\n\
        Adapters: the profiles in adapters/ (see `astro-conform adapters`), or a path to your own.\n\
        Snapshots live in snapshots/; review changes with `cargo insta review`.\n\n\
        Exit status: 0 no failures (with --baseline: no regressions); 1 a trial failed (also one\n\
        whose install, build or server failed: its message says which); 2 bad usage or a bad\n\
        case.toml, profile or ASTRO_CONFORM_* value; 3 the environment failed before any trial\n\
        (Node or npm missing, I/O)."
    )]
    Run(run::Args),
    /// Check a site: build it as it is and run the checks of its astro-conform.toml.
    ///
    /// The site's own packages build it (its Astro, adapter and integrations; a stack's
    /// Node runs them). [routes] must hold, the probe, build log and files must agree, and
    /// every [[request]] is sent to the build served as --adapter says. The file is in the
    /// case format of the built-in fixtures; `astro-conform init` writes a first one.
    #[command(after_help = "Examples:
  astro-conform check
  astro-conform check ./my-site --adapter ./my-adapter.toml

        Exit status: 0 every check passed; 1 a check failed (also one whose build or server
        failed); 2 bad usage or a bad astro-conform.toml; 3 the environment failed before any
        check (Node or npm missing, an install, I/O).")]
    Check(check::Args),
    /// Write a first astro-conform.toml for a site, from what it does now.
    ///
    /// Builds the site as `check` does, writes [routes] with Astro's decision for each of
    /// its pages and endpoints, serves the build and adds one request per on-demand route
    /// with the status (and Location) it answered, with comments that teach the format.
    #[command(after_help = "Example:
  astro-conform init ./my-site && astro-conform check ./my-site")]
    Init(init::Args),
    /// Print the ▶/λ listing of a build that already ran, and check it against [routes].
    ///
    /// Reads the report the probe integration wrote during the build: the npm package's
    /// Astro integration (`astro-conform/integration`) runs this at the end of the site's
    /// own `astro build`. With the site's astro-conform.toml, a route whose mode differs
    /// from [routes] is named with both modes and the line that asked for it.
    #[command(
        after_help = "Example:\n  astro-conform listing . --probe-report node_modules/.astro-conform/probe.json\n\n\
        Exit status: 0 listing printed (and [routes] holds); 1 a route's mode differs from\n\
        [routes]; 2 bad usage, an unreadable report or a bad astro-conform.toml."
    )]
    Listing(listing::Args),
    /// Print the JSON Schema of a file format, for editors that complete TOML.
    ///
    /// Formats: case (a fixture's case.toml and a site's astro-conform.toml), profile (an
    /// adapter profile) and bench (bench.toml). Save it beside your file and point the
    /// file's first line at it: `#:schema ./astro-conform.schema.json` (Taplo / Even
    /// Better TOML read that line).
    #[command(after_help = "Example:\n  astro-conform schema case > astro-conform.schema.json")]
    Schema {
        /// case, profile or bench.
        #[arg(value_parser = ["case", "profile", "bench"])]
        format: String,
    },
    /// List the adapter profiles in adapters/.
    Adapters,
    /// Write an adapter's package.json for a stack and generate its lockfile.
    ///
    /// A profile that adds npm packages needs, per stack, a committed package.json and
    /// package-lock.json in <profile dir>/<adapter>/<stack>/: the stack's dependencies plus
    /// the profile's [packages]. This command writes both (it needs the npm registry).
    #[command(after_help = "Example:\n  astro-conform lock cloudflare --stack astro7")]
    Lock(adapters::LockArgs),
    /// Will the site survive an Astro upgrade? The site beside itself on another Astro.
    ///
    /// Two installs of the site, both in the cache (the site's folder is never touched): its
    /// own packages as they are (or --from), and the same with `astro` at --to and each
    /// official @astrojs/* package moved to its newest release whose peer range accepts
    /// it (a package with none is named, not guessed). Both are built, listed, served and
    /// timed: routes whose mode changed and files added or removed; every response to the
    /// site's astro-conform.toml requests (or, without one, a GET of each on-demand route)
    /// that differs in status, headers, cookies or body shape; checks that passed before
    /// and fail now; and `bench --ab` on the on-demand routes. One report: the terminal,
    /// upgrade.json, upgrade.md (for a pull request) and upgrade.html.
    #[command(
        after_help = "Examples:\n  astro-conform upgrade . --to 7.3.5\n  astro-conform upgrade ./site --from 5.18.2 --to 7.3.5 --no-bench\n\n\
        Needs the npm registry (npm view, npm install) the first time per version.\n\n\
        Exit status: 0 nothing changed for the worse; 1 a route changed mode, the site does not\n\
        build on --to, a check that passed fails, or a route is judged slower; 2 bad usage or a\n\
        bad astro-conform.toml; 3 the environment failed (Node, npm, an install, a server)."
    )]
    Upgrade(upgrade::Args),
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
        Exit status: 0 at least one response was read; 1 none was (see the errors); 2 bad usage;\n\
        3 the load generator could not start (pinning, runtime)."
    )]
    Load(load::Args),
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
        errors or non-2xx statuses, or (with --ab) a route was judged slower; 2 bad usage or a\n\
        bad bench.toml; 3 the environment failed (Node, npm, a server, a measurement too noisy\n\
        to trust)."
    )]
    Bench(bench::Args),
}

fn main() -> ExitCode {
    process::die_with_launcher();
    let cli = Cli::parse();
    // A reader that stops early (`| head`) ends us quietly, as it does any Unix tool,
    // instead of a panic in println!; the watchdog still stops every child we started.
    // SAFETY: restoring a signal's default disposition before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    process::install_interrupt_handler();
    process::install_quiet_panic_hook();
    if let Err(e) = astro_conform::settings::load() {
        eprintln!("error: {e}");
        return exit::Kind::Input.code();
    }
    let reads_built_ins = !matches!(
        cli.command,
        Command::Schema { .. } | Command::Load(_) | Command::Listing(_)
    );
    if reads_built_ins && let Err(e) = astro_conform::paths::settle_project_root() {
        eprintln!("error: {e}");
        return exit::Kind::Environment.code();
    }
    let result = match &cli.command {
        Command::Classify(args) => classify::run(args),
        Command::Explain(args) => explain::run(args),
        Command::Run(args) => run::run(args),
        Command::Check(args) => check::run(args),
        Command::Init(args) => init::run(args),
        Command::Listing(args) => listing::run(args),
        Command::Schema { format } => {
            let format = astro_conform::schema::Format::ALL
                .into_iter()
                .find(|f| f.name() == format)
                .expect("clap checked the name");
            print!("{}", format.schema());
            Ok(ExitCode::SUCCESS)
        }
        Command::Adapters => adapters::list_adapters(),
        Command::Lock(args) => adapters::lock(args),
        Command::Load(args) => load::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Upgrade(args) => upgrade::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            error.kind.code()
        }
    }
}
