//! A cheap HTTP/1.1 load generator: a closed loop over keep-alive connections, or a fixed
//! arrival rate whose latencies count from the intended send time (no coordinated
//! omission). Latencies go into an HdrHistogram.
//!
//! Cheap means: one thread (a current-thread runtime), an empty request body, response
//! bodies counted frame by frame and dropped, and optionally its own core.

mod report;
mod target;
mod worker;

pub(crate) use report::{GENERATOR_LIMITED, micros};
pub use report::{Latency, LoadReport};
pub use target::Target;
use worker::{Tally, Worker};

use std::time::Duration;

use tokio::time::Instant;

/// Why a load run could not start.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("`{url}` is not a URL this load generator can use: {why}")]
    BadUrl { url: String, why: String },
    #[error("`{0}` does not resolve to an address")]
    Unresolved(String),
    #[error("the header `{0}` is not a valid `name: value`")]
    BadHeader(String),
    #[error("{0} must be at least 1")]
    Zero(&'static str),
    #[error("--rate must be a positive number of requests per second, not {0}")]
    BadRate(f64),
    #[error("pinning the load generator to core {cpu}: {source}")]
    Pin { cpu: usize, source: std::io::Error },
    #[error("starting the load generator's runtime: {0}")]
    Runtime(std::io::Error),
}

/// What to send, how hard and for how long.
#[derive(Debug, Clone)]
pub struct LoadOptions {
    /// Where the requests go (GET, `http://` only).
    pub target: Target,
    /// Keep-alive connections, each with at most one request in flight.
    pub connections: usize,
    /// How long to send for.
    pub duration: Duration,
    /// Requests per second in all (fixed arrival rate); `None` is a closed loop.
    pub rate: Option<f64>,
    /// A request that takes longer counts as a `timeout` error and its connection is
    /// replaced.
    pub timeout: Duration,
    /// The core to run on.
    pub cpu: Option<usize>,
    /// Stop after this many requests (sent in all) if the duration has not ended first.
    pub requests: Option<u64>,
}

impl LoadOptions {
    /// A closed loop on `target`: 10 connections for 10 s, 5 s timeout, any core, no
    /// request budget (the defaults of `astro-conform load`).
    pub fn new(target: Target) -> Self {
        Self {
            target,
            connections: 10,
            duration: Duration::from_secs(10),
            rate: None,
            timeout: Duration::from_secs(5),
            cpu: None,
            requests: None,
        }
    }
}

/// Runs the load on its own single-threaded runtime (pinned if asked) and blocks until
/// it ends.
pub fn run(options: &LoadOptions) -> Result<LoadReport, LoadError> {
    let options = options.clone();
    std::thread::scope(|scope| {
        scope
            .spawn(move || {
                if let Some(cpu) = options.cpu {
                    crate::pipeline::serve::cpu::pin_current_thread(cpu)
                        .map_err(|source| LoadError::Pin { cpu, source })?;
                }
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(LoadError::Runtime)?;
                runtime.block_on(run_async(&options))
            })
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })
}

/// Runs the load on the current runtime. Use a current-thread runtime to keep it cheap.
pub async fn run_async(options: &LoadOptions) -> Result<LoadReport, LoadError> {
    if options.connections == 0 {
        return Err(LoadError::Zero("the number of connections"));
    }
    if let Some(rate) = options.rate
        && !(rate.is_finite() && rate > 0.0)
    {
        return Err(LoadError::BadRate(rate));
    }
    let cpu_start = thread_cpu_time();
    let start = Instant::now();
    let deadline = start + options.duration;
    let budget = options
        .requests
        .map(|n| std::sync::Arc::new(std::sync::atomic::AtomicU64::new(n)));
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..options.connections {
        let worker = Worker {
            target: options.target.clone(),
            timeout: options.timeout,
            schedule: options.rate.map(|rate| {
                // Each connection sends every `connections / rate` seconds, offset so the
                // arrivals in all are evenly spaced.
                let interval = Duration::from_secs_f64(options.connections as f64 / rate);
                let offset = Duration::from_secs_f64(index as f64 / rate);
                (start + offset, interval)
            }),
            tally: Tally::new(),
            budget: budget.clone(),
        };
        tasks.spawn(worker.run(deadline));
    }
    let mut tally = Tally::new();
    while let Some(done) = tasks.join_next().await {
        let part = done.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        tally.merge(part);
    }
    // Under a request budget the run may end early: rates are per the time it took.
    let wall = start.elapsed();
    let client_cpu =
        (thread_cpu_time().saturating_sub(cpu_start)).as_secs_f64() / wall.as_secs_f64().max(1e-9);
    let seconds = match options.requests {
        Some(_) => wall.min(options.duration).as_secs_f64(),
        None => options.duration.as_secs_f64(),
    };
    Ok(LoadReport {
        url: options.target.url.clone(),
        connections: options.connections,
        rate: options.rate,
        seconds,
        requests: tally.histogram.len(),
        requests_per_sec: tally.histogram.len() as f64 / seconds,
        bytes: tally.bytes,
        bytes_per_sec: tally.bytes as f64 / seconds,
        latency_us: Latency::of(&tally.histogram),
        statuses: tally.statuses,
        errors: tally.errors,
        client_cpu,
    })
}

/// CPU time used by the calling thread so far (the load generator's runtime thread).
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec owned by this frame.
    if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
