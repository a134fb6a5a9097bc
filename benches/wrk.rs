//! The load generator against `wrk -t1`, side by side: `cargo bench --bench wrk`.
//!
//! Same server (bench-routes with the node adapter, pinned to one core), same route, same
//! connection count, the client pinned to the other core; rounds alternate ours/wrk after a
//! warm-up, and the median req/s of each is compared. Targets: ours ≥ 0.95× wrk on the
//! prerendered route and ≥ 0.98× on the on-demand one. Skips (exit 0) when `wrk` is not
//! installed (Debian package `wrk`).
//!
//! `BENCH_STACK` (default astro7), `BENCH_CONNECTIONS` (8), `BENCH_ROUNDS` (5),
//! `BENCH_SECONDS` per round (5).

use std::process::Command;
use std::time::Duration;

use astro_conform::perf::bench;
use astro_conform::perf::load::{self, LoadOptions};
use astro_conform::perf::stats::median;
use astro_conform::perf::variant::{self, ServedRoute, Variant};
use astro_conform::pipeline::serve::cpu::Placement;
use astro_conform::pipeline::session::Session;

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ours(route: &ServedRoute, connections: usize, seconds: u64, cpu: Option<usize>) -> f64 {
    let report = load::run(&LoadOptions {
        connections,
        duration: Duration::from_secs(seconds),
        timeout: Duration::from_secs(10),
        cpu,
        ..LoadOptions::new(route.target.clone())
    })
    .expect("load");
    assert!(bench::untrustworthy(&report).is_none(), "{}", report.text());
    report.requests_per_sec
}

fn wrk(route: &ServedRoute, connections: usize, seconds: u64, cpu: Option<usize>) -> f64 {
    let mut cmd = match cpu {
        Some(core) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &core.to_string(), "wrk"]);
            c
        }
        None => Command::new("wrk"),
    };
    cmd.args(["-t1", &format!("-c{connections}"), &format!("-d{seconds}s")]);
    for (name, value) in &route.target.headers {
        cmd.args(["-H", &format!("{name}: {value}")]);
    }
    let out = cmd.arg(&route.target.url).output().expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("Non-2xx"), "wrk saw errors:\n{text}");
    text.lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk's output:\n{text}"))
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        println!("wrk is not installed (Debian package `wrk`); nothing to compare against.");
        return;
    }
    let stack: String = env_or("BENCH_STACK", "astro7".to_string());
    let connections = env_or("BENCH_CONNECTIONS", 8usize);
    let rounds = env_or("BENCH_ROUNDS", 5usize);
    let seconds = env_or("BENCH_SECONDS", 5u64);
    let placement = Placement::split();
    let session = Session::with_progress(|m| eprintln!("{m}"));
    let routes = ["prerendered".to_string(), "cookie".to_string()];
    let served = variant::serve(
        &Variant::default_for(&stack),
        &session,
        &routes,
        placement.server,
    )
    .unwrap_or_else(|e| panic!("serving bench-routes on {stack}: {e}"));
    println!(
        "{stack}, {connections} connections, {rounds} alternating rounds of {seconds} s, server on core {:?}, clients on core {:?}",
        placement.server, placement.client
    );
    println!("route            ours req/s   wrk req/s   ours/wrk  target");
    for (route, target) in served.routes.iter().zip([0.95, 0.98]) {
        ours(route, connections, 3, placement.client);
        wrk(route, connections, 3, placement.client);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for round in 0..rounds {
            if round % 2 == 0 {
                a.push(ours(route, connections, seconds, placement.client));
                b.push(wrk(route, connections, seconds, placement.client));
            } else {
                b.push(wrk(route, connections, seconds, placement.client));
                a.push(ours(route, connections, seconds, placement.client));
            }
        }
        let (a, b) = (median(&a), median(&b));
        let ratio = a / b;
        let mode = route.mode.map(|m| m.symbol()).unwrap_or("");
        println!(
            "{:<14} {mode} {a:>11.0} {b:>11.0} {ratio:>10.3}  ≥ {target} {}",
            route.spec.name,
            if ratio >= target { "met" } else { "NOT MET" }
        );
    }
}
