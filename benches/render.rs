//! Render throughput per route kind: `cargo bench --bench render`.
//!
//! For each stack (astro5 and astro7; `BENCH_STACKS=astro7` for one) the bench-routes
//! fixture is built with the node adapter and served pinned to one core; the client runs
//! on another. Each route (prerendered page, on-demand cookie page, on-demand JSON
//! endpoint, streaming page, 1,000-item list page) is one criterion benchmark whose
//! element is one request, so criterion reports req/s. An iteration batch is sent over
//! `BENCH_CONNECTIONS` (default 8) keep-alive connections on a single-threaded tokio
//! runtime. After each stack the server's peak RSS (VmHWM of its process group) is printed.
//!
//! Settings for a noisy 2-core machine: 3 s warm-up (the server's JIT), 20 samples over
//! 10 s, and a 5% noise threshold at 1% significance before criterion calls a change.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};

use astro_conform::perf::bench;
use astro_conform::perf::load::{self, LoadOptions, Target};
use astro_conform::perf::variant::{self, Variant};
use astro_conform::pipeline::serve::cpu::{self, Placement};
use astro_conform::pipeline::session::Session;

fn connections() -> usize {
    std::env::var("BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8)
}

/// The time `iters` requests take through the load generator (closed loop); panics on
/// errors or non-2xx answers, which would make the time meaningless.
async fn time_requests(target: Target, iters: u64) -> Duration {
    let options = LoadOptions {
        connections: connections().min(iters.max(1) as usize),
        duration: Duration::from_secs(600),
        timeout: Duration::from_secs(10),
        requests: Some(iters),
        ..LoadOptions::new(target)
    };
    let started = std::time::Instant::now();
    let report = load::run_async(&options).await.expect("load");
    if let Some(why) = bench::untrustworthy(&report) {
        panic!("{}: {why}", options.target.url);
    }
    started.elapsed()
}

fn render(c: &mut Criterion) {
    let placement = Placement::split();
    let stacks = std::env::var("BENCH_STACKS").unwrap_or_else(|_| "astro5,astro7".into());
    let session = Session::with_progress(|m| eprintln!("{m}"));
    if let Some(core) = placement.client {
        cpu::pin_current_thread(core).expect("pin the client");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for stack in stacks.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let served = variant::serve(
            &Variant::default_for(stack),
            &session,
            &[],
            placement.server,
        )
        .unwrap_or_else(|e| panic!("serving bench-routes on {stack}: {e}"));
        let mut group = c.benchmark_group(format!("render/{stack}"));
        group
            .throughput(Throughput::Elements(1))
            .warm_up_time(Duration::from_secs(3))
            .measurement_time(Duration::from_secs(10))
            .sample_size(20)
            .noise_threshold(0.05)
            .significance_level(0.01);
        for route in &served.routes {
            let name = match route.mode {
                Some(mode) => format!("{} {mode}", route.spec.name),
                None => route.spec.name.clone(),
            };
            group.bench_function(name, |b| {
                b.to_async(&runtime)
                    .iter_custom(|iters| time_requests(route.target.clone(), iters))
            });
        }
        group.finish();
        let rss = astro_conform::pipeline::serve::memory::peak_rss_kb(served.server.pid())
            .map_or("?".into(), |kb| format!("{:.0} MB", kb as f64 / 1024.0));
        println!(
            "render/{stack}: server peak RSS under load {rss} (astro {})",
            served.astro
        );
    }
}

fn config() -> Criterion {
    Criterion::default().configure_from_args()
}

criterion_group! {
    name = benches;
    config = config();
    targets = render
}

fn main() {
    // `cargo test --benches` runs this without `--bench`: building and serving two stacks
    // is not a test, so it does nothing then.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
}
