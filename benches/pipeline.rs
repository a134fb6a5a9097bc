//! Wall time of the pipeline: `cargo bench --bench pipeline`.
//!
//! Reports
//! - the cold `astro-conform run` (stacks installed, no build cached) and the warm re-run
//!   (nothing changed, every build cached), against the target warm < 20% of cold;
//! - the harness's overhead over a plain `astro build` of the same fixture with the same
//!   adapter (no probe, no copy, no cross-check), against the target < 10%, as the median of
//!   alternating rounds.
//!
//! `BENCH_ROUNDS` sets the rounds of the overhead comparison (default 5),
//! `BENCH_FIXTURE` and `BENCH_STACK` the fixture and stack (default hybrid-static, astro5).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use astro_conform::paths;
use astro_conform::pipeline::install::stack::{self, InstalledStack};
use astro_conform::pipeline::session::Session;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_astro-conform")
}

fn timed(cmd: &mut Command) -> Duration {
    let start = Instant::now();
    let out = cmd.output().expect("command runs");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter run by `cargo test --benches` passes nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let fixture_name = std::env::var("BENCH_FIXTURE").unwrap_or_else(|_| "hybrid-static".into());
    let stack_name = std::env::var("BENCH_STACK").unwrap_or_else(|_| "astro5".into());
    let rounds: usize = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);

    // Install the stacks in the shared cache first: installs are not what is measured.
    let session = Session::with_progress(|m| eprintln!("{m}"));
    let mut installed = None;
    for s in stack::discover(&paths::stacks_dir()).unwrap() {
        let i = session.installed(&s, None).unwrap();
        if s.name == stack_name {
            installed = Some(i);
        }
    }
    let installed = installed.expect("the bench stack exists");

    // Cold and warm `run`: a fresh cache root whose npm installs are the shared ones.
    let cache = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(paths::cache_dir().join("npm"), cache.path().join("npm")).unwrap();
    let run = || {
        let mut cmd = Command::new(bin());
        cmd.args(["run", "--jobs", "2"])
            .env("ASTRO_CONFORM_CACHE", cache.path());
        timed(&mut cmd)
    };
    let cold = run();
    let warm = run();

    // Plain `astro build` vs the harness's build of one fixture, alternating.
    let fixture = paths::fixtures_dir().join(&fixture_name);
    let plain_dir = plain_copy(&fixture, &installed);
    let (mut plain, mut harness) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        plain.push(timed(
            Command::new(&installed.node.binary)
                .arg(plain_dir.path().join("node_modules/.bin/astro"))
                .args(["build", "--config", "plain.config.mjs"])
                .current_dir(plain_dir.path())
                .env("PATH", &installed.path_var)
                .env("ASTRO_TELEMETRY_DISABLED", "1"),
        ));
        harness.push(timed(Command::new(bin()).args([
            "classify",
            fixture.to_str().unwrap(),
            "--stack",
            &stack_name,
            "--rebuild",
        ])));
    }
    println!(
        "astro-conform pipeline (fixture {fixture_name}, stack {stack_name}, {rounds} rounds)"
    );
    print_results((cold, warm), (median(plain), median(harness)));
}

/// A copy of `fixture` with the stack's `node_modules` and a config that adds the node
/// adapter: what a user would build by hand.
fn plain_copy(fixture: &Path, installed: &InstalledStack) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    paths::copy_dir(fixture, dir.path()).unwrap();
    std::os::unix::fs::symlink(&installed.node_modules, dir.path().join("node_modules")).unwrap();
    std::fs::write(
        dir.path().join("plain.config.mjs"),
        "import config from './astro.config.mjs';\nimport node from '@astrojs/node';\n\
         export default { ...config, adapter: node({ mode: 'standalone' }) };\n",
    )
    .unwrap();
    dir
}

fn print_results((cold, warm): (Duration, Duration), (plain, harness): (Duration, Duration)) {
    let overhead = harness.as_secs_f64() / plain.as_secs_f64() - 1.0;
    let warm_share = warm.as_secs_f64() / cold.as_secs_f64();
    println!(
        "  run, cold (no build cached):       {:>8.2} s",
        cold.as_secs_f64()
    );
    println!(
        "  run, warm (nothing changed):       {:>8.2} s  = {:.1}% of cold (target < 20%)",
        warm.as_secs_f64(),
        warm_share * 100.0
    );
    println!(
        "  plain astro build (median):        {:>8.2} s",
        plain.as_secs_f64()
    );
    println!(
        "  astro-conform classify (median):   {:>8.2} s  = {:+.1}% overhead (target < 10%)",
        harness.as_secs_f64(),
        overhead * 100.0
    );
}
