//! What a load run measured, and its text form.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Latency percentiles in microseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Latency {
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub p999: u64,
    pub max: u64,
    pub mean: f64,
}

impl Latency {
    pub(super) fn of(h: &Histogram<u64>) -> Self {
        Self {
            p50: h.value_at_quantile(0.50),
            p90: h.value_at_quantile(0.90),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
            mean: h.mean(),
        }
    }
}

/// The result of one load run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoadReport {
    pub url: String,
    pub connections: usize,
    /// The requested arrival rate (`None`: closed loop).
    pub rate: Option<f64>,
    pub seconds: f64,
    /// Responses read to the end.
    pub requests: u64,
    pub requests_per_sec: f64,
    /// Response body bytes.
    pub bytes: u64,
    pub bytes_per_sec: f64,
    /// Of the completed responses; from the intended send time under `--rate`.
    pub latency_us: Latency,
    /// Responses by status code.
    pub statuses: BTreeMap<u16, u64>,
    /// Failed requests by kind (connect, timeout, closed, malformed, io, body).
    pub errors: BTreeMap<String, u64>,
    /// The load generator's own CPU time over the wall time of the run: 1.0 is a full core.
    #[serde(default)]
    pub client_cpu: f64,
}

/// Above this share of a core, the load generator may be what limits the rate measured.
pub(crate) const GENERATOR_LIMITED: f64 = 0.9;

impl LoadReport {
    /// Failed requests in all.
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    /// Whether the load generator used nearly a full core, so the server may not have been
    /// the bottleneck and the rate measured is a floor, not the server's capacity.
    pub fn generator_limited(&self) -> bool {
        self.client_cpu >= GENERATOR_LIMITED
    }

    /// Human-readable summary.
    pub fn text(&self) -> String {
        let mode = match self.rate {
            Some(r) => format!("fixed rate {r}/s (latency from the intended send time)"),
            None => "closed loop".into(),
        };
        let l = &self.latency_us;
        let statuses = join_counts(self.statuses.iter().map(|(k, v)| (k.to_string(), *v)));
        let errors = join_counts(self.errors.iter().map(|(k, v)| (k.clone(), *v)));
        format!(
            "{url}: {connections} connections, {seconds:.1} s, {mode}\n\
             \x20 requests  {requests} ({rps:.1}/s)\n\
             \x20 bytes     {bytes} ({bps})\n\
             \x20 latency   p50 {p50}  p90 {p90}  p99 {p99}  p99.9 {p999}  max {max}\n\
             \x20 statuses  {statuses}\n\
             \x20 errors    {errors}\n\
             \x20 client    {cpu:.0}% of a core{limited}\n",
            url = self.url,
            connections = self.connections,
            seconds = self.seconds,
            requests = self.requests,
            rps = self.requests_per_sec,
            bytes = self.bytes,
            bps = per_second(self.bytes_per_sec),
            p50 = micros(l.p50),
            p90 = micros(l.p90),
            p99 = micros(l.p99),
            p999 = micros(l.p999),
            max = micros(l.max),
            cpu = self.client_cpu * 100.0,
            limited = if self.generator_limited() {
                " (GENERATOR-LIMITED: the load generator, not the server, may set this rate)"
            } else {
                ""
            },
        )
    }
}

fn join_counts(items: impl Iterator<Item = (String, u64)>) -> String {
    let parts: Vec<String> = items.map(|(k, v)| format!("{k}: {v}")).collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// `1.23 ms` style.
pub(crate) fn micros(us: u64) -> String {
    match us {
        0..1_000 => format!("{us} µs"),
        1_000..1_000_000 => format!("{:.2} ms", us as f64 / 1e3),
        _ => format!("{:.2} s", us as f64 / 1e6),
    }
}

fn per_second(bytes: f64) -> String {
    match bytes {
        b if b >= 1e9 => format!("{:.2} GB/s", b / 1e9),
        b if b >= 1e6 => format!("{:.2} MB/s", b / 1e6),
        b => format!("{:.1} kB/s", b / 1e3),
    }
}
