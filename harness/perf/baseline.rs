//! Saved bench runs (`--save`, `--compare`): where they live, how they are read and
//! written, and the then/now table.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::IoError;
use crate::perf::bench::{BenchReport, format_table};
use crate::perf::error::BenchError;
use crate::perf::load;

impl BenchReport {
    /// Each route's req/s and p99 now against `baseline` (matched by variant and route).
    pub fn compare(&self, baseline: &BenchReport, threshold: f64) -> String {
        let mut rows = vec![
            [
                "variant",
                "route",
                "req/s then",
                "req/s now",
                "ratio",
                "p99 then",
                "p99 now",
                "",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for run in &self.runs {
            let then_run = baseline.runs.iter().find(|b| b.variant == run.variant);
            for r in &run.routes {
                let then = then_run.and_then(|b| b.routes.iter().find(|x| x.name == r.name));
                let Some(then) = then else {
                    rows.push(vec![
                        run.label.clone(),
                        r.name.clone(),
                        "-".into(),
                        format!("{:.0}", r.load.requests_per_sec),
                        "new".into(),
                        "-".into(),
                        load::micros(r.load.latency_us.p99),
                        String::new(),
                    ]);
                    continue;
                };
                let ratio = r.load.requests_per_sec / then.load.requests_per_sec;
                let note = if ratio < 1.0 - threshold {
                    "slower?"
                } else if ratio > 1.0 + threshold {
                    "faster?"
                } else {
                    ""
                };
                rows.push(vec![
                    run.label.clone(),
                    r.name.clone(),
                    format!("{:.0}", then.load.requests_per_sec),
                    format!("{:.0}", r.load.requests_per_sec),
                    format!("{ratio:.3}"),
                    load::micros(then.load.latency_us.p99),
                    load::micros(r.load.latency_us.p99),
                    note.into(),
                ]);
            }
        }
        let mut out = format_table(&rows, &[2, 3, 4, 5, 6]);
        out.push_str(
            "\nNumbers from separate runs on a shared machine move 10–15%; a `?` marks a change \
             beyond the threshold, not a decision. Decide with `--ab`.\n",
        );
        out
    }
}

/// The file of baseline `name` in `dir`.
pub fn baseline_file(dir: &Path, name: &str) -> Result<PathBuf, BenchError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok {
        return Err(BenchError::BadBaselineName(name.into()));
    }
    Ok(dir.join(format!("{name}.json")))
}

/// Writes `value` as pretty JSON to `path`, creating its folder.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<(), BenchError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(IoError::doing(format!("creating {}", dir.display())))?;
    }
    let text = serde_json::to_string_pretty(value).expect("reports serialize");
    Ok(std::fs::write(path, text + "\n")
        .map_err(IoError::doing(format!("writing {}", path.display())))?)
}

/// Reads a report written by [`write_json`].
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BenchError> {
    let text = std::fs::read_to_string(path)
        .map_err(IoError::doing(format!("reading {}", path.display())))?;
    serde_json::from_str(&text).map_err(|source| BenchError::NotAReport {
        file: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::perf::bench::tests::report;

    #[test]
    fn compare_marks_changes_beyond_the_threshold_only() {
        let then = report(&[("steady", 1000.0), ("slow", 1000.0), ("fast", 1000.0)]);
        let now = report(&[
            ("steady", 950.0),
            ("slow", 800.0),
            ("fast", 1200.0),
            ("new", 5.0),
        ]);
        let text = now.compare(&then, 0.10);
        let line = |name: &str| {
            text.lines()
                .find(|l| l.split_whitespace().nth(5) == Some(name))
                .unwrap_or_else(|| panic!("no row {name}:\n{text}"))
                .to_string()
        };
        assert!(!line("steady").contains('?'), "{text}");
        assert!(line("slow").contains("slower?"), "{text}");
        assert!(line("fast").contains("faster?"), "{text}");
        assert!(line("new").contains("new"), "{text}");
    }

    #[test]
    fn baseline_names_cannot_leave_their_folder() {
        assert!(baseline_file(Path::new("b"), "main-2026.11").is_ok());
        for bad in ["", "../x", ".hidden", "a/b"] {
            assert!(baseline_file(Path::new("b"), bad).is_err(), "{bad}");
        }
    }
}
