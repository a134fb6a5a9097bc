//! The A/B report as text: the per-route table and the tally over repeated runs.

use crate::perf::ab::{AbReport, AbRoute, Verdict};
use crate::perf::bench::{GENERATOR_LIMITED_NOTE, format_table};

impl AbReport {
    /// Routes judged slower.
    pub fn slower(&self) -> Vec<&AbRoute> {
        self.routes
            .iter()
            .filter(|r| r.verdict == Verdict::Slower)
            .collect()
    }

    /// A table: per route, the median req/s of each side, B/A with its interval, the forks
    /// run and the verdict.
    pub fn table(&self) -> String {
        let s = &self.settings;
        let pct = (s.confidence * 100.0).round();
        let mut rows = vec![
            [
                "route",
                "",
                "A req/s",
                "B req/s",
                "B/A",
                &format!("{pct}% CI"),
                "forks",
                "verdict",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for r in &self.routes {
            let mode = match (&r.mode_a, &r.mode_b) {
                (Some(a), Some(b)) if a == b => a.clone(),
                (a, b) => format!(
                    "{}→{}",
                    a.as_deref().unwrap_or("?"),
                    b.as_deref().unwrap_or("?")
                ),
            };
            let limited = if r.generator_limited { " LIMITED" } else { "" };
            rows.push(vec![
                r.name.clone(),
                mode,
                format!("{:.0}", r.median_rps(|f| &f.a_rps)),
                format!("{:.0}", r.median_rps(|f| &f.b_rps)),
                format!("{:.3}", r.ratio),
                format!("{:.3}–{:.3}", r.ci_low, r.ci_high),
                r.forks.len().to_string(),
                format!("{}{limited}", r.verdict.describe(s.threshold)),
            ]);
        }
        let mut out = format!(
            "A = {}\nB = {}\n{}–{} forks (fresh server pairs), stopping once the answer is clear; \
             per fork and route {:.1} s warm-up, {} side-by-side round(s) of {:.2} s, {} connection(s) each. \
             Took {:.0} s.\n\n{}",
            self.a,
            self.b,
            s.min_forks,
            s.max_forks,
            self.warmup_seconds,
            s.rounds,
            self.round_seconds,
            self.connections,
            self.seconds,
            format_table(&rows, &[2, 3, 4, 6])
        );
        if self.routes.iter().any(|r| r.generator_limited) {
            out.push_str(GENERATOR_LIMITED_NOTE);
        }
        out
    }
}

/// How often each route got each verdict over repeated comparisons.
pub fn tally(reports: &[AbReport]) -> String {
    let mut out = String::new();
    let Some(first) = reports.first() else {
        return out;
    };
    for (i, route) in first.routes.iter().enumerate() {
        let of = |v: Verdict| {
            reports
                .iter()
                .filter(|r| r.routes.get(i).is_some_and(|x| x.verdict == v))
                .count()
        };
        let ratios: Vec<String> = reports
            .iter()
            .filter_map(|r| r.routes.get(i))
            .map(|x| format!("{:.3}", x.ratio))
            .collect();
        out.push_str(&format!(
            "{}: judged slower in {} of {} run(s) (no change {}, inconclusive {}, faster {}); B/A {}\n",
            route.name,
            of(Verdict::Slower),
            reports.len(),
            of(Verdict::NoChange),
            of(Verdict::Inconclusive),
            of(Verdict::Faster),
            ratios.join(" ")
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::ab::AbSettings;

    fn settings() -> AbSettings {
        AbSettings::default()
    }

    #[test]
    fn the_tally_counts_each_verdict_per_route() {
        let one = |verdict: Verdict| AbReport {
            a: "a".into(),
            b: "b".into(),
            connections: 1,
            round_seconds: 1.0,
            warmup_seconds: 1.0,
            settings: settings(),
            seconds: 1.0,
            routes: vec![AbRoute {
                name: "x".into(),
                mode_a: None,
                mode_b: None,
                forks: Vec::new(),
                ratio: 0.9,
                ci_low: 0.8,
                ci_high: 0.95,
                verdict,
                generator_limited: false,
            }],
        };
        let text = tally(&[
            one(Verdict::Slower),
            one(Verdict::Inconclusive),
            one(Verdict::Slower),
        ]);
        assert!(
            text.contains("x: judged slower in 2 of 3 run(s) (no change 0, inconclusive 1"),
            "{text}"
        );
    }
}
