//! Results in the formats regression trackers read: Bencher's metric format (BMF JSON) and
//! github-action-benchmark's `customBiggerIsBetter` / `customSmallerIsBetter` JSON.
//! Throughput (req/s) is bigger-is-better, latency smaller-is-better.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::ab::AbReport;
use super::bench::BenchReport;

/// One entry of github-action-benchmark's custom JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionEntry {
    pub name: String,
    pub unit: String,
    pub value: f64,
    /// The spread, as the action shows it beside the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<String>,
}

/// The tracker files of one result: file name suffix → contents.
pub type TrackerFiles = BTreeMap<&'static str, Value>;

/// `bench`: per variant and route, req/s (`throughput`) and the p50 latency with p99 as its
/// upper value (`latency`, in nanoseconds, as Bencher's built-in measure counts).
pub fn bench_files(report: &BenchReport) -> TrackerFiles {
    let mut bmf = serde_json::Map::new();
    let mut bigger = Vec::new();
    let mut smaller = Vec::new();
    for run in &report.runs {
        for route in &run.routes {
            let name = format!("{}/{}", run.label, route.name);
            let latency = &route.load.latency_us;
            bmf.insert(
                name.clone(),
                json!({
                    "throughput": { "value": route.load.requests_per_sec },
                    "latency": {
                        "value": latency.p50 * 1000,
                        "upper_value": latency.p99 * 1000,
                    },
                }),
            );
            bigger.push(ActionEntry {
                name: format!("{name} throughput"),
                unit: "req/s".into(),
                value: route.load.requests_per_sec,
                range: None,
            });
            smaller.push(ActionEntry {
                name: format!("{name} latency p50"),
                unit: "ms".into(),
                value: latency.p50 as f64 / 1000.0,
                range: Some(format!("p99 {} ms", latency.p99 as f64 / 1000.0)),
            });
        }
    }
    files(Value::Object(bmf), bigger, smaller)
}

/// `bench --ab`: per route, B's throughput over A's (`ratio`, with the confidence interval
/// as lower and upper values), for each repeat of the comparison.
pub fn ab_files(reports: &[AbReport]) -> TrackerFiles {
    let mut bmf = serde_json::Map::new();
    let mut bigger = Vec::new();
    for (n, report) in reports.iter().enumerate() {
        let repeat = match reports.len() {
            1 => String::new(),
            _ => format!(" #{}", n + 1),
        };
        for route in &report.routes {
            let name = format!("{} vs {}/{}{repeat}", report.b, report.a, route.name);
            bmf.insert(
                name.clone(),
                json!({
                    "ratio": {
                        "value": route.ratio,
                        "lower_value": route.ci_low,
                        "upper_value": route.ci_high,
                    },
                }),
            );
            bigger.push(ActionEntry {
                name: format!("{name} throughput ratio"),
                unit: "B/A".into(),
                value: route.ratio,
                range: Some(format!("{:.3}–{:.3}", route.ci_low, route.ci_high)),
            });
        }
    }
    files(Value::Object(bmf), bigger, Vec::new())
}

fn files(bmf: Value, bigger: Vec<ActionEntry>, smaller: Vec<ActionEntry>) -> TrackerFiles {
    let mut out = TrackerFiles::new();
    out.insert("bencher.json", bmf);
    out.insert("gab-bigger.json", json!(bigger));
    if !smaller.is_empty() {
        out.insert("gab-smaller.json", json!(smaller));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bench_results_read_as_bencher_metrics_and_action_entries() {
        let mut report = crate::perf::bench::tests::report(&[("page", 1234.5)]);
        let latency = &mut report.runs[0].routes[0].load.latency_us;
        (latency.p50, latency.p99) = (1500, 9000);
        let label = report.runs[0].label.clone();
        let files = bench_files(&report);
        let bmf = &files["bencher.json"][format!("{label}/page")];
        assert_eq!(bmf["throughput"]["value"], 1234.5);
        assert_eq!(bmf["latency"]["value"], 1_500_000);
        assert_eq!(bmf["latency"]["upper_value"], 9_000_000);
        let bigger = &files["gab-bigger.json"][0];
        assert_eq!(
            (&bigger["unit"], &bigger["value"]),
            (&json!("req/s"), &json!(1234.5))
        );
        let smaller = &files["gab-smaller.json"][0];
        assert_eq!(
            (&smaller["unit"], &smaller["value"], &smaller["range"]),
            (&json!("ms"), &json!(1.5), &json!("p99 9 ms"))
        );
    }
}
