//! `astro-conform bench`: a project's route set ([`crate::perf::routes`]) under load, per
//! variant ([`crate::perf::variant`]), with the server pinned to one core while the load
//! generator ([`crate::perf::load`]) runs on another; the results table. Baselines are
//! [`crate::perf::baseline`]; the A/B decision is [`crate::perf::ab`].

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::perf::error::BenchError;
use crate::perf::load::{self, LoadOptions, LoadReport};
use crate::perf::variant::{Served, ServedRoute, Variant};
use crate::pipeline::serve::memory;

/// How hard and how long each measurement loads a route.
#[derive(Debug, Clone)]
pub struct Settings {
    pub connections: usize,
    /// One measurement (`bench`) or one round (`--ab`).
    pub duration: Duration,
    /// Load before measuring, so the server's JIT has compiled the render path.
    pub warmup: Duration,
    pub timeout: Duration,
    /// The load generator's core.
    pub client_cpu: Option<usize>,
}

/// Loads `route` for `duration` with the settings' connections, timeout and core.
pub(crate) fn load_route(
    route: &ServedRoute,
    settings: &Settings,
    duration: Duration,
) -> Result<LoadReport, BenchError> {
    Ok(load::run(&LoadOptions {
        connections: settings.connections,
        duration,
        timeout: settings.timeout,
        cpu: settings.client_cpu,
        ..LoadOptions::new(route.target.clone())
    })?)
}

/// Why a measurement is not of a successful render: errors, or statuses outside 2xx.
pub fn untrustworthy(report: &LoadReport) -> Option<String> {
    let mut why: Vec<String> = report
        .errors
        .iter()
        .map(|(kind, n)| format!("{n} {kind} error(s)"))
        .collect();
    why.extend(
        report
            .statuses
            .iter()
            .filter(|(status, _)| !(200..300).contains(*status))
            .map(|(status, n)| format!("{n} response(s) with status {status}")),
    );
    if report.requests == 0 && why.is_empty() {
        why.push("no response completed".into());
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// One route's measurement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteResult {
    pub name: String,
    pub path: String,
    /// `▶` or `λ` (when known).
    pub mode: Option<String>,
    pub load: LoadReport,
}

/// One variant's measurements.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub label: String,
    pub variant: Variant,
    pub astro: String,
    pub routes: Vec<RouteResult>,
    /// The server's peak resident memory after all its routes were loaded.
    pub peak_rss_kb: Option<u64>,
}

/// The result of `astro-conform bench`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchReport {
    pub connections: usize,
    pub seconds: f64,
    pub runs: Vec<RunResult>,
}

/// Loads every route of every served variant in turn, after a warm-up.
pub fn bench(
    served: &[Served],
    settings: &Settings,
    progress: &dyn Fn(&str),
) -> Result<BenchReport, BenchError> {
    let mut runs = Vec::new();
    for s in served {
        let label = s.variant.label();
        let mut routes = Vec::new();
        for route in &s.routes {
            progress(&format!("{label}: {}", route.spec.name));
            load_route(route, settings, settings.warmup)?;
            let load = load_route(route, settings, settings.duration)?;
            routes.push(RouteResult {
                name: route.spec.name.clone(),
                path: route.spec.path.clone(),
                mode: route.mode.map(|m| m.symbol().to_string()),
                load,
            });
        }
        runs.push(RunResult {
            label,
            variant: s.variant.clone(),
            astro: s.astro.clone(),
            routes,
            peak_rss_kb: memory::peak_rss_kb(s.server.pid()),
        });
    }
    Ok(BenchReport {
        connections: settings.connections,
        seconds: settings.duration.as_secs_f64(),
        runs,
    })
}

/// Said under a table where a measurement's load generator used nearly a full core.
pub(crate) const GENERATOR_LIMITED_NOTE: &str = "LIMITED: the load generator used nearly a full core \
     there, so the server may not have been the bottleneck; the rate is a floor.\n";

/// The load generator's share of a core, `LIMITED` when it was near a full core.
pub fn client_cpu(report: &LoadReport) -> String {
    let pct = format!("{:.0}%", report.client_cpu * 100.0);
    if report.generator_limited() {
        format!("{pct} LIMITED")
    } else {
        pct
    }
}

fn megabytes(kb: Option<u64>) -> String {
    kb.map_or("?".into(), |kb| format!("{:.0} MB", kb as f64 / 1024.0))
}

impl BenchReport {
    /// Measurements that are not of successful renders, as `label route: why` lines.
    pub fn problems(&self) -> Vec<String> {
        self.runs
            .iter()
            .flat_map(|run| {
                run.routes.iter().filter_map(move |r| {
                    untrustworthy(&r.load).map(|why| format!("{} {}: {why}", run.label, r.name))
                })
            })
            .collect()
    }

    /// A table: one row per variant and route.
    pub fn table(&self) -> String {
        let mut rows = vec![
            [
                "variant",
                "route",
                "",
                "req/s",
                "p50",
                "p90",
                "p99",
                "p99.9",
                "max",
                "MB/s",
                "errors",
                "client CPU",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for run in &self.runs {
            rows.extend(run.routes.iter().map(|r| table_row(&run.label, r)));
        }
        let mut out = format_table(&rows, &[3, 4, 5, 6, 7, 8, 9, 10, 11]);
        out.push_str(&format!(
            "\n{} connection(s), {:.1} s per route, closed loop.\n",
            self.connections, self.seconds
        ));
        if self
            .runs
            .iter()
            .flat_map(|r| &r.routes)
            .any(|r| r.load.generator_limited())
        {
            out.push_str(GENERATOR_LIMITED_NOTE);
        }
        for run in &self.runs {
            out.push_str(&format!(
                "server peak RSS ({}, astro {}): {}\n",
                run.label,
                run.astro,
                megabytes(run.peak_rss_kb)
            ));
        }
        out
    }
}

/// Columns padded to their widest cell; the columns in `right` aligned right.
pub(crate) fn format_table(rows: &[Vec<String>], right: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = " ".repeat(widths[c] - cell.chars().count());
                if right.contains(&c) {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// One route's row of [`BenchReport::table`].
fn table_row(label: &str, r: &RouteResult) -> Vec<String> {
    let l = &r.load.latency_us;
    vec![
        label.to_string(),
        r.name.clone(),
        r.mode.clone().unwrap_or_default(),
        format!("{:.0}", r.load.requests_per_sec),
        load::micros(l.p50),
        load::micros(l.p90),
        load::micros(l.p99),
        load::micros(l.p999),
        load::micros(l.max),
        format!("{:.2}", r.load.bytes_per_sec / 1e6),
        untrustworthy(&r.load).map_or("0".into(), |_| r.load.error_count().to_string()),
        client_cpu(&r.load),
    ]
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;

    use super::*;

    pub(crate) fn report(rps: &[(&str, f64)]) -> BenchReport {
        let load = |rps: f64| LoadReport {
            url: "http://127.0.0.1:1/".into(),
            connections: 1,
            rate: None,
            seconds: 1.0,
            requests: rps as u64,
            requests_per_sec: rps,
            bytes: 0,
            bytes_per_sec: 0.0,
            latency_us: load::Latency {
                p50: 1,
                p90: 1,
                p99: 1,
                p999: 1,
                max: 1,
                mean: 1.0,
            },
            statuses: BTreeMap::from([(200, rps as u64)]),
            errors: BTreeMap::new(),
            client_cpu: 0.5,
        };
        let variant = Variant::default_for("astro7");
        BenchReport {
            connections: 1,
            seconds: 1.0,
            runs: vec![RunResult {
                label: variant.label(),
                variant,
                astro: "7".into(),
                routes: rps
                    .iter()
                    .map(|(name, r)| RouteResult {
                        name: name.to_string(),
                        path: "/".into(),
                        mode: None,
                        load: load(*r),
                    })
                    .collect(),
                peak_rss_kb: None,
            }],
        }
    }

    #[test]
    fn a_route_with_errors_or_non_2xx_is_not_a_render() {
        let mut r = report(&[("x", 100.0)]);
        assert!(r.problems().is_empty());
        r.runs[0].routes[0].load.statuses.insert(500, 3);
        r.runs[0].routes[0].load.errors.insert("timeout".into(), 2);
        let problems = r.problems().join("\n");
        assert!(
            problems.contains("3 response(s) with status 500"),
            "{problems}"
        );
        assert!(problems.contains("2 timeout error(s)"), "{problems}");
    }
}
