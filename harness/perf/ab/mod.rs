//! `bench --ab A B`: is B slower than A, on each route?
//!
//! Two identical Node servers differ by a few percent for their whole life (JIT decisions,
//! heap layout), so one pair of processes is one sample, however many rounds it serves.
//! The comparison therefore runs in *forks* (as JMH does): each fork starts a fresh server
//! for A and for B, both on the same core, and loads them *at the same time*, first to
//! warm up, then in short rounds. This machine's own noise (a host that takes the core
//! away for a moment, a loop that runs 2× slower from one second to the next) then hits
//! both servers alike and cancels in the ratio B/A of their req/s, which on a shared,
//! saturated core is the ratio of their costs per request. The fork's sample is the mean
//! log of its round ratios; log ratios make a slowdown and the matching speedup symmetric.
//!
//! After each fork from `min_forks` on, each undecided route is judged on the Student-t
//! interval of its fork samples, with significance and size together (`d = ln(1 +
//! threshold)`):
//! - **slower**: the interval lies below 0 *and* the estimate is below `-d`;
//! - **faster**: the mirror image;
//! - **no change**: the whole interval lies within `(-d, d)` (equivalence);
//! - otherwise another fork, up to `max_forks`; still undecided then: **inconclusive**.
//!
//! Stopping as soon as the answer is clear keeps clear cases short and spends forks only
//! where the effect is near the threshold. The power this gives is measured, not assumed:
//! `cargo bench --bench power` (README, "Performance").

mod judge;
mod table;

pub use judge::{Judgement, Verdict, judge};
pub use table::tally;

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::astro::Mode;
use crate::perf::bench::{self, Settings};
use crate::perf::error::BenchError;
use crate::perf::stats;
use crate::perf::variant::{Prepared, ServedRoute};

/// Seconds of each round by default.
pub const ROUND_SECONDS: f64 = 0.5;
/// Seconds of warm-up per server, route and fork by default.
pub const WARMUP_SECONDS: f64 = 2.0;

/// How the comparison is run and judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AbSettings {
    /// The smallest slowdown worth a verdict, as a fraction (0.05 = 5%).
    pub threshold: f64,
    /// Two-sided confidence of the interval (e.g. 0.95).
    pub confidence: f64,
    /// Rounds per route in each fork (A and B loaded at once in each).
    pub rounds: usize,
    /// Forks before the first judgement.
    pub min_forks: usize,
    /// Forks at the most.
    pub max_forks: usize,
}

impl Default for AbSettings {
    fn default() -> Self {
        Self {
            threshold: 0.05,
            confidence: 0.95,
            rounds: 4,
            min_forks: 3,
            max_forks: 10,
        }
    }
}

/// One fork of one route: the rounds of a fresh pair of servers.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fork {
    pub a_rps: Vec<f64>,
    pub b_rps: Vec<f64>,
    /// The mean of ln(B/A) over the rounds: this fork's sample.
    pub log_ratio: f64,
    /// The load generator's highest share of a core in any round.
    pub client_cpu: f64,
}

/// One route's result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AbRoute {
    pub name: String,
    pub mode_a: Option<String>,
    pub mode_b: Option<String>,
    pub forks: Vec<Fork>,
    pub ratio: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub verdict: Verdict,
    /// Whether the load generator neared a full core in any round.
    pub generator_limited: bool,
}

impl AbRoute {
    fn median_rps(&self, side: impl Fn(&Fork) -> &Vec<f64>) -> f64 {
        let all: Vec<f64> = self.forks.iter().flat_map(|f| side(f).clone()).collect();
        stats::median(&all)
    }
}

/// The result of `astro-conform bench --ab A B`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AbReport {
    pub a: String,
    pub b: String,
    pub connections: usize,
    pub round_seconds: f64,
    pub warmup_seconds: f64,
    pub settings: AbSettings,
    pub routes: Vec<AbRoute>,
    /// Wall time of the whole comparison.
    pub seconds: f64,
}

/// A route being compared: its forks so far and its verdict once given.
struct Pending {
    forks: Vec<Fork>,
    judgement: Option<Judgement>,
}

/// Runs forks until every route has a verdict or `max_forks` is reached.
pub fn ab(
    a: &Prepared,
    b: &Prepared,
    settings: &Settings,
    ab: &AbSettings,
    progress: &dyn Fn(&str),
) -> Result<AbReport, BenchError> {
    let (names_a, names_b) = (a.route_names(), b.route_names());
    if names_a != names_b {
        return Err(BenchError::RouteSetsDiffer {
            a: names_a.join(", "),
            b: names_b.join(", "),
        });
    }
    let started = Instant::now();
    let mut pending: Vec<Pending> = names_a
        .iter()
        .map(|_| Pending {
            forks: Vec::new(),
            judgement: None,
        })
        .collect();
    for fork in 0..ab.max_forks.max(1) {
        if pending.iter().all(|p| p.judgement.is_some()) {
            break;
        }
        run_forks(a, b, fork, &mut pending, settings, ab, progress)?;
    }
    let routes = a
        .route_modes()
        .into_iter()
        .zip(b.route_modes())
        .zip(pending)
        .map(|(((name, mode_a), (_, mode_b)), p)| finish(name, mode_a, mode_b, p, ab))
        .collect();
    Ok(AbReport {
        a: a.variant.label(),
        b: b.variant.label(),
        connections: settings.connections,
        round_seconds: settings.duration.as_secs_f64(),
        warmup_seconds: settings.warmup.as_secs_f64(),
        settings: ab.clone(),
        routes,
        seconds: started.elapsed().as_secs_f64(),
    })
}

/// Fork number `fork`: fresh servers for A and B (started in alternating order), one fork
/// of every route still without a verdict, and a judgement of each from `min_forks` on.
fn run_forks(
    a: &Prepared,
    b: &Prepared,
    fork: usize,
    pending: &mut [Pending],
    settings: &Settings,
    ab: &AbSettings,
    progress: &dyn Fn(&str),
) -> Result<(), BenchError> {
    let (served_a, served_b) = if fork.is_multiple_of(2) {
        let sa = a.start()?;
        (sa, b.start()?)
    } else {
        let sb = b.start()?;
        (a.start()?, sb)
    };
    for (i, p) in pending.iter_mut().enumerate() {
        if p.judgement.is_some() {
            continue;
        }
        let (ra, rb) = (&served_a.routes[i], &served_b.routes[i]);
        let status = |round: usize| {
            let (name, forks) = (&ra.spec.name, ab.max_forks);
            progress(&format!(
                "{name}: fork {}/≤{forks}, round {round}/{}",
                fork + 1,
                ab.rounds
            ))
        };
        p.forks
            .push(run_fork(ra, rb, settings, ab.rounds, &status)?);
        if p.forks.len() >= ab.min_forks {
            let log_ratios: Vec<f64> = p.forks.iter().map(|f| f.log_ratio).collect();
            let j = judge(&log_ratios, ab);
            if j.verdict.is_some() {
                p.judgement = Some(j);
            }
        }
    }
    Ok(())
}

/// The final verdict of a route: its decision, or `Inconclusive` after the last fork.
fn finish(
    name: String,
    mode_a: Option<Mode>,
    mode_b: Option<Mode>,
    p: Pending,
    ab: &AbSettings,
) -> AbRoute {
    let log_ratios: Vec<f64> = p.forks.iter().map(|f| f.log_ratio).collect();
    let j = p.judgement.unwrap_or_else(|| judge(&log_ratios, ab));
    AbRoute {
        name,
        mode_a: mode_a.map(|m| m.symbol().into()),
        mode_b: mode_b.map(|m| m.symbol().into()),
        generator_limited: p
            .forks
            .iter()
            .any(|f| f.client_cpu >= crate::perf::load::GENERATOR_LIMITED),
        forks: p.forks,
        ratio: j.ratio,
        ci_low: j.ci_low,
        ci_high: j.ci_high,
        verdict: j.verdict.unwrap_or(Verdict::Inconclusive),
    }
}

/// One fork of one route: both servers loaded at once for the warm-up, then for `rounds`
/// rounds, each giving a paired ratio.
fn run_fork(
    ra: &ServedRoute,
    rb: &ServedRoute,
    settings: &Settings,
    rounds: usize,
    status: &dyn Fn(usize),
) -> Result<Fork, BenchError> {
    side_by_side(ra, rb, settings, settings.warmup)?;
    let (mut a_rps, mut b_rps, mut client_cpu) = (Vec::new(), Vec::new(), 0.0_f64);
    for round in 0..rounds {
        status(round + 1);
        let (a, b) = side_by_side(ra, rb, settings, settings.duration)?;
        a_rps.push(a.rps);
        b_rps.push(b.rps);
        client_cpu = client_cpu.max(a.client_cpu + b.client_cpu);
    }
    let logs: Vec<f64> = a_rps
        .iter()
        .zip(&b_rps)
        .map(|(a, b)| (b / a).ln())
        .collect();
    Ok(Fork {
        log_ratio: stats::mean(&logs),
        a_rps,
        b_rps,
        client_cpu,
    })
}

/// Loads A and B at the same time for `duration`. Both servers share one core, so
/// whatever else slows the machine in that moment slows both, and the ratio of their
/// rates is the ratio of their costs per request.
fn side_by_side(
    ra: &ServedRoute,
    rb: &ServedRoute,
    settings: &Settings,
    duration: std::time::Duration,
) -> Result<(Sample, Sample), BenchError> {
    std::thread::scope(|scope| {
        let b = scope.spawn(|| measure(rb, "B", settings, duration));
        let a = measure(ra, "A", settings, duration);
        let b = b
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        Ok((a?, b?))
    })
}

/// One side of a round.
struct Sample {
    rps: f64,
    /// The load generator's share of a core.
    client_cpu: f64,
}

/// Loads one side; an error when the route did not render successfully.
fn measure(
    route: &ServedRoute,
    side: &str,
    settings: &Settings,
    duration: std::time::Duration,
) -> Result<Sample, BenchError> {
    let report = bench::load_route(route, settings, duration)?;
    match bench::untrustworthy(&report) {
        None => Ok(Sample {
            rps: report.requests_per_sec,
            client_cpu: report.client_cpu,
        }),
        Some(why) => Err(BenchError::Untrustworthy {
            side: side.to_string(),
            route: route.spec.name.clone(),
            why: why.to_string(),
        }),
    }
}
