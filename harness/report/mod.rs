//! The conformance matrix: check × adapter → pass / fail / known deviation / not
//! applicable, with a one-line reason for every non-pass; printed as a table and written as
//! JSON, JUnit XML and Markdown. Nothing in it depends on timings, ports or temp paths.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::pipeline::discover::adapter::{Profile, Runner};
use crate::suite::{Outcome, Trial};

/// The longest reason kept on one line.
const REASON_CHARS: usize = 200;

/// One adapter column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The profile name (`none`: fixtures built without an adapter).
    pub name: String,
    /// The profile's description.
    pub description: String,
    /// Who wrote the program that served the output: `adapter` or `ours`.
    pub runner: String,
}

/// The kinds of cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Pass,
    Fail,
    Deviation,
    StaleDeviation,
    NotApplicable,
}

impl Status {
    fn is_failure(self) -> bool {
        matches!(self, Status::Fail | Status::StaleDeviation)
    }

    fn text(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "FAIL",
            Status::Deviation => "deviation",
            Status::StaleDeviation => "STALE",
            Status::NotApplicable => "n/a",
        }
    }

    fn mark(self) -> &'static str {
        match self {
            Status::Pass => "✅",
            Status::Fail => "❌",
            Status::Deviation => "⚠️",
            Status::StaleDeviation => "❗",
            Status::NotApplicable => "—",
        }
    }
}

/// One check × adapter result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cell {
    pub status: Status,
    /// One line saying why, for every non-pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The whole failure message, for failures and deviations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The matrix of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    /// The adapter columns, in the order they were selected.
    pub adapters: Vec<Column>,
    /// `stack/fixture/check` → adapter → cell.
    pub rows: BTreeMap<String, BTreeMap<String, Cell>>,
}

/// The first informative line of a failure message, shortened.
pub fn one_line(message: &str) -> String {
    let mut lines = message.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or_default();
    let line = match lines.next() {
        Some(second) if first.ends_with(':') => format!("{first} {second}"),
        _ => first.to_string(),
    };
    if line.chars().count() > REASON_CHARS {
        let cut: String = line.chars().take(REASON_CHARS - 1).collect();
        format!("{cut}…")
    } else {
        line
    }
}

impl Matrix {
    /// Builds the matrix from the trials of a run and their outcomes.
    pub fn new(profiles: &[&Profile], results: &[(&Trial, &Outcome)]) -> Self {
        let mut adapters: Vec<Column> = profiles
            .iter()
            .map(|p| Column {
                name: p.name.clone(),
                description: p.description.clone(),
                runner: match p.runner {
                    Runner::Adapter => "adapter".into(),
                    Runner::Ours => "ours".into(),
                },
            })
            .collect();
        if results.iter().any(|(t, _)| t.adapter == "none") {
            adapters.insert(
                0,
                Column {
                    name: "none".into(),
                    description: "fixtures built without an adapter".into(),
                    runner: "none".into(),
                },
            );
        }
        let mut rows: BTreeMap<String, BTreeMap<String, Cell>> = BTreeMap::new();
        for (trial, outcome) in results {
            let cell = match outcome {
                Outcome::Pass => Cell {
                    status: Status::Pass,
                    reason: None,
                    detail: None,
                },
                Outcome::Fail(message) => Cell {
                    status: Status::Fail,
                    reason: Some(one_line(message)),
                    detail: Some(message.clone()),
                },
                Outcome::Deviation { reason, detail } => Cell {
                    status: Status::Deviation,
                    reason: Some(one_line(reason)),
                    detail: Some(detail.clone()),
                },
                Outcome::StaleDeviation(reason) => Cell {
                    status: Status::StaleDeviation,
                    reason: Some(one_line(reason)),
                    detail: None,
                },
                Outcome::NotApplicable(reason) => Cell {
                    status: Status::NotApplicable,
                    reason: Some(one_line(reason)),
                    detail: None,
                },
            };
            rows.entry(trial.row.clone())
                .or_default()
                .insert(trial.adapter.clone(), cell);
        }
        Self { adapters, rows }
    }

    /// Counts per adapter: (pass, fail, deviation, n/a).
    fn counts(&self, adapter: &str) -> [usize; 4] {
        let mut c = [0; 4];
        for cell in self.rows.values().filter_map(|r| r.get(adapter)) {
            let i = match cell.status {
                Status::Pass => 0,
                Status::Fail | Status::StaleDeviation => 1,
                Status::Deviation => 2,
                Status::NotApplicable => 3,
            };
            c[i] += 1;
        }
        c
    }

    /// True when some cell is a failure.
    pub fn failed(&self) -> bool {
        self.rows
            .values()
            .flat_map(|r| r.values())
            .any(|c| c.status.is_failure())
    }

    /// The non-pass cells as (adapter, check, cell), in row order; cells that do not apply
    /// for the same adapter and reason are folded into one entry whose check says how many.
    fn notes(&self) -> Vec<(String, String, &Cell)> {
        let mut notes = Vec::new();
        let mut not_applicable: BTreeMap<(String, String), (usize, String, &Cell)> =
            BTreeMap::new();
        for (row, cells) in &self.rows {
            for column in &self.adapters {
                let Some(cell) = cells.get(&column.name) else {
                    continue;
                };
                match cell.status {
                    Status::Pass => {}
                    Status::NotApplicable => {
                        let key = (column.name.clone(), cell.reason.clone().unwrap_or_default());
                        not_applicable
                            .entry(key)
                            .or_insert((0, row.clone(), cell))
                            .0 += 1;
                    }
                    _ => notes.push((column.name.clone(), row.clone(), cell)),
                }
            }
        }
        for ((adapter, _), (count, first, cell)) in not_applicable {
            let check = if count == 1 {
                first
            } else {
                format!("{count} checks")
            };
            notes.push((adapter, check, cell));
        }
        notes
    }

    /// The matrix as a plain-text table, then one line per non-pass cell.
    pub fn text(&self) -> String {
        let width = self.rows.keys().map(|r| r.len()).max().unwrap_or(5).max(5);
        let mut out = format!("{:width$}", "check");
        for c in &self.adapters {
            let _ = write!(out, "  {:>w$}", c.name, w = c.name.len().max(9));
        }
        out.push('\n');
        for (row, cells) in &self.rows {
            let _ = write!(out, "{row:width$}");
            for c in &self.adapters {
                let text = cells.get(&c.name).map_or("", |cell| cell.status.text());
                let _ = write!(out, "  {:>w$}", text, w = c.name.len().max(9));
            }
            out.push('\n');
        }
        out.push('\n');
        for c in &self.adapters {
            let [pass, fail, dev, na] = self.counts(&c.name);
            let ours = if c.runner == "ours" {
                " (served by astro-conform's own runner)"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "{}: {pass} pass, {fail} fail, {dev} known deviation, {na} n/a{ours}",
                c.name
            );
        }
        let notes = self.notes();
        if !notes.is_empty() {
            out.push('\n');
        }
        for (adapter, row, cell) in notes {
            let _ = writeln!(
                out,
                "{:9} {adapter} · {row}: {}",
                cell.status.text(),
                cell.reason.as_deref().unwrap_or_default()
            );
        }
        out
    }

    /// The matrix as Markdown (for a README or a pull-request comment).
    pub fn markdown(&self) -> String {
        let mut out = String::from("## astro-conform matrix\n\n");
        for c in &self.adapters {
            let [pass, fail, dev, na] = self.counts(&c.name);
            let ours = if c.runner == "ours" {
                " — served by astro-conform's own runner, not the vendor's"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "- **{}** ({}): {pass} ✅ {fail} ❌ {dev} ⚠️ {na} —{ours}",
                c.name,
                md_escape(&c.description)
            );
        }
        out.push_str("\n✅ pass · ❌ fail · ⚠️ known deviation · ❗ listed deviation that passed · — not applicable\n\n");
        out.push_str("| check |");
        for c in &self.adapters {
            let _ = write!(out, " {} |", c.name);
        }
        out.push_str("\n|---|");
        out.push_str(&"---|".repeat(self.adapters.len()));
        out.push('\n');
        let notes = self.notes();
        let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (i, (adapter, row, _)) in notes.iter().enumerate() {
            index.insert((adapter.clone(), row.clone()), i + 1);
        }
        for (row, cells) in &self.rows {
            let _ = write!(out, "| `{row}` |");
            for c in &self.adapters {
                match cells.get(&c.name) {
                    None => out.push_str(" |"),
                    Some(cell) => match index.get(&(c.name.clone(), row.clone())) {
                        Some(n) => {
                            let _ = write!(out, " {} [{n}] |", cell.status.mark());
                        }
                        None => {
                            let _ = write!(out, " {} |", cell.status.mark());
                        }
                    },
                }
            }
            out.push('\n');
        }
        if !notes.is_empty() {
            out.push('\n');
        }
        for (i, (adapter, row, cell)) in notes.iter().enumerate() {
            let _ = writeln!(
                out,
                "{}. {} **{adapter}** `{row}`: {}",
                i + 1,
                cell.status.mark(),
                md_escape(cell.reason.as_deref().unwrap_or_default())
            );
        }
        out
    }

    /// The matrix as JUnit XML: a test suite per adapter, a test case per check. Known
    /// deviations and checks that do not apply are reported as skipped, with the reason.
    pub fn junit(&self) -> String {
        let total = |f: fn(Status) -> bool| {
            self.rows
                .values()
                .flat_map(|r| r.values())
                .filter(|c| f(c.status))
                .count()
        };
        let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            out,
            "<testsuites name=\"astro-conform\" tests=\"{}\" failures=\"{}\" skipped=\"{}\">",
            total(|_| true),
            total(Status::is_failure),
            total(|s| matches!(s, Status::Deviation | Status::NotApplicable))
        );
        for c in &self.adapters {
            let [pass, fail, dev, na] = self.counts(&c.name);
            let _ = writeln!(
                out,
                "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fail}\" skipped=\"{}\">",
                xml_escape(&c.name),
                pass + fail + dev + na,
                dev + na
            );
            for (row, cells) in &self.rows {
                let Some(cell) = cells.get(&c.name) else {
                    continue;
                };
                let _ = write!(
                    out,
                    "    <testcase classname=\"astro-conform.{}\" name=\"{}\"",
                    xml_escape(&c.name),
                    xml_escape(row)
                );
                let reason = xml_escape(cell.reason.as_deref().unwrap_or_default());
                match cell.status {
                    Status::Pass => out.push_str("/>\n"),
                    Status::Fail | Status::StaleDeviation => {
                        let _ = writeln!(
                            out,
                            ">\n      <failure message=\"{reason}\">{}</failure>\n    </testcase>",
                            xml_escape(cell.detail.as_deref().unwrap_or_default())
                        );
                    }
                    Status::Deviation => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"known deviation: {reason}\"/>\n      <system-out>{}</system-out>\n    </testcase>",
                            xml_escape(cell.detail.as_deref().unwrap_or_default())
                        );
                    }
                    Status::NotApplicable => {
                        let _ = writeln!(
                            out,
                            ">\n      <skipped message=\"not applicable: {reason}\"/>\n    </testcase>"
                        );
                    }
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }

    /// Writes `matrix.json`, `junit.xml` and `matrix.md` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("matrix.json"), json + "\n")?;
        std::fs::write(dir.join("junit.xml"), self.junit())?;
        std::fs::write(dir.join("matrix.md"), self.markdown())
    }

    /// Cells that fail now but passed (or were a known deviation, or did not exist) in
    /// `baseline`, as `adapter · check: reason` lines.
    pub fn regressions(&self, baseline: &Matrix) -> Vec<String> {
        let mut out = Vec::new();
        for (row, cells) in &self.rows {
            for (adapter, cell) in cells {
                if !cell.status.is_failure() {
                    continue;
                }
                let before = baseline.rows.get(row).and_then(|r| r.get(adapter));
                if before.is_none_or(|b| !b.status.is_failure()) {
                    let was = before.map_or("absent", |b| b.status.text());
                    out.push(format!(
                        "{adapter} · {row}: {} (was {was})",
                        cell.reason.as_deref().unwrap_or_default()
                    ));
                }
            }
        }
        out
    }
}

fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
