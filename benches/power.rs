//! The power curve of `bench --ab`: `cargo bench --bench power`.
//!
//! Injects a known slowdown into the on-demand routes of the bench fixture (the burn
//! variant of `astro_conform::perf::power`: each request costs that fraction more CPU)
//! and runs the default A/B comparison
//! `POWER_REPEATS` times (default 10) at each burn in `POWER_LEVELS` (percent, default
//! `0,2.5,5,7.5,10,15`; 0 is A/A: the same build served twice). Routes: `POWER_ROUTES`
//! (default `cookie,json`); stack: `POWER_STACK` (default astro7). Prints a Markdown table
//! (for the README) and writes power.json and power.svg to
//! `power/` in the cache. Progress goes to stderr. `POWER_FROM=path/power.json`
//! prints the table and redraws the chart of a saved run instead.

use std::time::Instant;

use astro_conform::paths;
use astro_conform::perf::ab::{self, AbReport, AbSettings};
use astro_conform::perf::bench::Settings;
use astro_conform::perf::variant::{self, Prepared, Variant};
use astro_conform::perf::{plot, power};
use astro_conform::pipeline::serve::cpu::Placement;
use astro_conform::pipeline::session::Session;

fn var(name: &str, default: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| default.into())
}

/// Prints the table and rewrites the chart of a saved run (`POWER_FROM=.../power.json`).
fn replot(saved: &std::path::Path) {
    let text = std::fs::read_to_string(saved).expect("read the saved power.json");
    let (_, results): (AbSettings, Vec<power::PowerLevel>) =
        serde_json::from_str(&text).expect("a power.json written by this bench");
    println!("{}", power::table(&results));
    let svg = saved.with_extension("svg");
    std::fs::write(&svg, plot::power_svg(&results)).expect("write power.svg");
    eprintln!("wrote {}", svg.display());
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs this with no argument:
    // only the former measures.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if let Ok(saved) = std::env::var("POWER_FROM") {
        replot(std::path::Path::new(&saved));
        return;
    }
    let levels = power::parse_levels(&var("POWER_LEVELS", "0,2.5,5,7.5,10,15"))
        .expect("POWER_LEVELS: percentages joined by commas");
    let repeats: usize = var("POWER_REPEATS", "10").parse().expect("POWER_REPEATS");
    let routes: Vec<String> = var("POWER_ROUTES", "cookie,json")
        .split(',')
        .map(|s| s.trim().to_string())
        .collect();
    let out = paths::cache_dir().join("power");
    std::fs::create_dir_all(&out).expect("create the output folder");

    let dir = tempfile::tempdir().expect("temp dir");
    let project = dir.path().join("bench-routes-burn");
    power::write_burn_variant(&project).expect("write the burn variant");
    let placement = Placement::split();
    let settings = Settings {
        connections: 8,
        duration: std::time::Duration::from_secs_f64(ab::ROUND_SECONDS),
        warmup: std::time::Duration::from_secs_f64(ab::WARMUP_SECONDS),
        timeout: std::time::Duration::from_secs(10),
        client_cpu: placement.client,
    };
    let session = Session::with_progress(|m| eprintln!("{m}"));
    let a_variant = Variant {
        project: project.clone(),
        stack: var("POWER_STACK", "astro7"),
        adapter: "node".into(),
        env: Default::default(),
    };
    let a = variant::prepare(&a_variant, &session, &routes, placement.server).expect("prepare A");
    let ab_settings = AbSettings::default();
    let started = Instant::now();
    let mut results = Vec::new();
    for &level in &levels {
        let mut b_variant = a_variant.clone();
        if level > 0.0 {
            b_variant
                .env
                .insert(power::BURN_ENV.into(), level.to_string());
        }
        let b =
            variant::prepare(&b_variant, &session, &routes, placement.server).expect("prepare B");
        let reports: Vec<_> = (0..repeats)
            .map(|run| compare(&a, &b, (&settings, &ab_settings), level, (run, repeats)))
            .collect();
        results.push(power::PowerLevel::of(level, &reports));
        // Written after every level, so an interrupted run keeps what it measured.
        save(&out, &ab_settings, &results);
    }
    println!("{}", power::table(&results));
    print_settings(&ab_settings, &settings, levels.len() * repeats, started);
    eprintln!("wrote {} and power.svg", out.join("power.json").display());
}

/// The settings the comparisons ran with, their number and the time they took.
fn print_settings(
    ab_settings: &AbSettings,
    settings: &Settings,
    comparisons: usize,
    started: Instant,
) {
    println!(
        "Default settings: threshold {:.0}%, {:.0}% confidence, {}–{} forks of {} side-by-side rounds of {:.2} s \
         after {:.1} s warm-up per server and route; {} connections. {} comparisons in {:.0} min.",
        ab_settings.threshold * 100.0,
        ab_settings.confidence * 100.0,
        ab_settings.min_forks,
        ab_settings.max_forks,
        ab_settings.rounds,
        settings.duration.as_secs_f64(),
        settings.warmup.as_secs_f64(),
        settings.connections,
        comparisons,
        started.elapsed().as_secs_f64() / 60.0
    );
}

/// Writes power.json and power.svg into `out`.
fn save(out: &std::path::Path, ab_settings: &AbSettings, results: &[power::PowerLevel]) {
    std::fs::write(
        out.join("power.json"),
        serde_json::to_string_pretty(&(ab_settings, results)).unwrap(),
    )
    .expect("write power.json");
    std::fs::write(out.join("power.svg"), plot::power_svg(results)).expect("write power.svg");
}

/// One A/B comparison at a burn level, with a progress line and a summary line.
fn compare(
    a: &Prepared,
    b: &Prepared,
    (settings, ab_settings): (&Settings, &AbSettings),
    level: f64,
    (run, repeats): (usize, usize),
) -> AbReport {
    let tag = format!("{:.0}% run {}/{repeats}", level * 100.0, run + 1);
    let progress = |m: &str| eprint!("\r\x1b[K{tag}: {m}");
    let report = ab::ab(a, b, settings, ab_settings, &progress).expect("A/B comparison");
    let summary: Vec<String> = report
        .routes
        .iter()
        .map(|r| {
            format!(
                "{} {:.3} {:?} ({} forks)",
                r.name,
                r.ratio,
                r.verdict,
                r.forks.len()
            )
        })
        .collect();
    eprintln!("\r\x1b[K{tag}: {}", summary.join(", "));
    report
}
