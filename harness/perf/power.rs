//! The power of the A/B decision, measured: how often `bench --ab` calls a route slower
//! when B really is slower by a known amount, and how often when it is not (A/A).
//!
//! The slowdown is injected, not guessed. A variant of the bench fixture carries a
//! middleware ([`write_burn_variant`]) that measures its process's CPU time per request and
//! burns a set fraction `s` more on each on-demand request ([`BURN_ENV`] in the server's
//! environment). Both servers share one saturated core, so B/A should come out at
//! `1 / (1 + s)`; the table shows what it did come out at. [`PowerLevel`] tallies the
//! verdicts of repeated comparisons at one slowdown. The driver is
//! `cargo bench --bench power`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::paths;
use crate::perf::ab::{AbReport, Verdict};
use crate::perf::stats;

/// The environment variable the burn middleware reads.
pub const BURN_ENV: &str = "ASTRO_CONFORM_BURN_FRACTION";

/// Writes the burn variant into `dir`: a copy of `fixtures/bench-routes` with the burn
/// middleware (`harness/tests/variants/burn.ts`) as its `src/middleware.ts`. Without
/// [`BURN_ENV`] it serves exactly like the fixture, plus one middleware call.
pub fn write_burn_variant(dir: &Path) -> std::io::Result<()> {
    paths::copy_dir(&paths::fixtures_dir().join("bench-routes"), dir)?;
    std::fs::copy(
        paths::project_root().join("harness/tests/variants/burn.ts"),
        dir.join("src/middleware.ts"),
    )?;
    Ok(())
}

/// The verdicts of one route over the repeated comparisons at one slowdown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PowerRoute {
    pub name: String,
    pub verdicts: Vec<Verdict>,
    /// B/A of each comparison.
    pub ratios: Vec<f64>,
    /// Forks each comparison took.
    pub forks: Vec<usize>,
}

impl PowerRoute {
    /// Comparisons that judged the route slower.
    pub fn slower(&self) -> usize {
        self.verdicts
            .iter()
            .filter(|v| **v == Verdict::Slower)
            .count()
    }
}

/// Repeated comparisons at one injected slowdown.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PowerLevel {
    /// Extra cost per on-demand request, as a fraction of its cost (0 = A/A).
    pub slowdown: f64,
    pub routes: Vec<PowerRoute>,
    /// Wall time of each comparison.
    pub seconds: Vec<f64>,
}

impl PowerLevel {
    /// Tallies `reports`, all made at `slowdown`.
    pub fn of(slowdown: f64, reports: &[AbReport]) -> Self {
        let names: Vec<String> = reports
            .first()
            .map(|r| r.routes.iter().map(|x| x.name.clone()).collect())
            .unwrap_or_default();
        let routes = names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let results: Vec<_> = reports.iter().filter_map(|r| r.routes.get(i)).collect();
                PowerRoute {
                    name: name.clone(),
                    verdicts: results.iter().map(|x| x.verdict).collect(),
                    ratios: results.iter().map(|x| x.ratio).collect(),
                    forks: results.iter().map(|x| x.forks.len()).collect(),
                }
            })
            .collect();
        Self {
            slowdown,
            routes,
            seconds: reports.iter().map(|r| r.seconds).collect(),
        }
    }
}

/// The slowdown a B/A ratio of req/s means: `1 / ratio - 1` (0.10: each request took
/// 10% longer).
pub(crate) fn slowdown_of(ratio: f64) -> f64 {
    1.0 / ratio - 1.0
}

/// A Markdown table: per injected burn and route, the slowdown measured (from the median
/// B/A), how often it was judged slower, the forks and the median wall time of a
/// comparison.
pub fn table(levels: &[PowerLevel]) -> String {
    let mut out = String::from(
        "| burn injected | route | slowdown measured (median) | judged slower | forks (min–max) | median time |\n\
         |---|---|---|---|---|---|\n",
    );
    for level in levels {
        for r in &level.routes {
            let (lo, hi) = (
                r.forks.iter().min().copied().unwrap_or(0),
                r.forks.iter().max().copied().unwrap_or(0),
            );
            out.push_str(&format!(
                "| {} | {} | {:+.1}% | {} of {} | {lo}–{hi} | {:.0} s |\n",
                if level.slowdown == 0.0 {
                    "none (A/A)".to_string()
                } else {
                    format!("{:.1}%", level.slowdown * 100.0)
                },
                r.name,
                slowdown_of(stats::median(&r.ratios)) * 100.0,
                r.slower(),
                r.verdicts.len(),
                stats::median(&level.seconds),
            ));
        }
    }
    out
}

/// The slowdown levels asked for, as fractions, from percentages like `0,5,10`.
pub fn parse_levels(text: &str) -> Option<Vec<f64>> {
    text.split(',')
        .map(|p| p.trim().parse::<f64>().ok().filter(|v| *v >= 0.0))
        .map(|v| v.map(|pct| pct / 100.0))
        .collect()
}

/// Per route, each level's measured slowdown (from the median B/A) and the share of its
/// comparisons judged slower, for the chart.
pub(crate) fn detection_rates(levels: &[PowerLevel]) -> BTreeMap<String, Vec<(f64, f64)>> {
    let mut out: BTreeMap<String, Vec<(f64, f64)>> = BTreeMap::new();
    for level in levels {
        for r in &level.routes {
            let rate = r.slower() as f64 / r.verdicts.len().max(1) as f64;
            out.entry(r.name.clone())
                .or_default()
                .push((slowdown_of(stats::median(&r.ratios)), rate));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_from_percentages() {
        assert_eq!(parse_levels("0, 5,10"), Some(vec![0.0, 0.05, 0.10]));
        assert_eq!(parse_levels("5,x"), None);
        assert_eq!(parse_levels("-5"), None);
    }
}
