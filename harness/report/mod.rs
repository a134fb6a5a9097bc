//! The conformance matrix: check × adapter → pass / fail / known deviation / not
//! applicable, with a one-line reason for every non-pass; printed as a table and written as
//! JSON, JUnit XML and Markdown. Nothing in it depends on timings, ports or temp paths.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::Located;
use crate::mismatch::Mismatch;
use crate::pipeline::discover::adapter::Profile;
use crate::suite::{AdapterColumn, ClaimRow, Outcome, Trial};

/// The longest reason kept on one line.
const REASON_CHARS: usize = 200;

mod claims;
mod column;
pub use column::{Column, ServedBy};

pub use crate::suite::Status;

impl Status {
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
    /// Where the case file asks for the check, for a failure or deviation that has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// A failed request check's expectations that did not hold: expectation, expected,
    /// actual and message each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mismatches: Vec<Mismatch>,
}

/// A place in a case file: the file (relative to the checkout for the built-in fixtures),
/// 1-based line and column, and what was asked for there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub what: String,
}

impl From<&Located> for Source {
    fn from(at: &Located) -> Self {
        Source {
            file: crate::paths::relative_to(&at.file, &crate::paths::project_root())
                .display()
                .to_string(),
            line: at.line,
            column: at.column,
            what: at.message.clone(),
        }
    }
}

impl Cell {
    /// The cell of `outcome`, pointing at `asked_at` when it failed or deviated.
    fn of(outcome: &Outcome, asked_at: Option<&Located>) -> Self {
        let mut cell = Cell::from(outcome);
        if !matches!(cell.status, Status::Pass | Status::NotApplicable) {
            cell.source = asked_at.map(Source::from);
        }
        cell
    }
}

impl From<&Outcome> for Cell {
    fn from(outcome: &Outcome) -> Self {
        let (reason, detail) = match outcome {
            Outcome::Pass => (None, None),
            Outcome::Fail(failed) => (Some(&failed.message), Some(&failed.message)),
            Outcome::Deviation { reason, detail } => (Some(reason), Some(detail)),
            Outcome::StaleDeviation(reason) | Outcome::NotApplicable(reason) => {
                (Some(reason), None)
            }
        };
        Cell {
            status: outcome.status(),
            reason: reason.map(|r| one_line(r)),
            detail: detail.cloned(),
            source: None,
            mismatches: match outcome {
                Outcome::Fail(failed) => failed.mismatches.clone(),
                _ => Vec::new(),
            },
        }
    }
}

/// The matrix of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matrix {
    /// The adapter columns, in the order they were selected.
    pub adapters: Vec<Column>,
    /// `stack/fixture/check` → adapter → cell.
    pub rows: BTreeMap<String, BTreeMap<String, Cell>>,
    /// What each adapter declared to Astro, each feature tied to the checks that exercise
    /// it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimRow>,
}

/// A deviation a profile lists for a behaviour (`tag:…`) that none of the checks with the
/// tag showed: one row `tag:<name>` per profile and tag, STALE in that profile's column.
fn stale_tag_deviations(results: &[(&Trial, &Outcome)]) -> Vec<(String, String, Outcome)> {
    // (adapter, tag) → (reason, checks with it, checks that deviated)
    let mut seen: BTreeMap<(String, &'static str), (String, usize, usize)> = BTreeMap::new();
    for (trial, outcome) in results {
        let Some(known) = &trial.deviation else {
            continue;
        };
        let Some(tag) = known.tag else { continue };
        let entry = seen
            .entry((
                trial.adapter.name().unwrap_or_default().to_string(),
                tag.name(),
            ))
            .or_insert_with(|| (known.reason.clone(), 0, 0));
        entry.1 += 1;
        entry.2 += usize::from(matches!(outcome, Outcome::Deviation { .. }));
    }
    seen.into_iter()
        .filter(|(_, (_, _, deviated))| *deviated == 0)
        .map(|((adapter, tag), (reason, checks, _))| {
            let stale = Outcome::StaleDeviation(format!(
                "listed as a known deviation for tag:{tag} ({reason}), but all {checks} checks with the tag passed: remove it from the profile"
            ));
            (format!("tag:{tag}"), adapter, stale)
        })
        .collect()
}

/// True when running as a GitHub Actions step (`GITHUB_ACTIONS=true`): failures are then
/// also written as annotations.
pub fn in_github_actions() -> bool {
    std::env::var_os("GITHUB_ACTIONS").is_some_and(|v| v == "true")
}

/// A GitHub Actions `::error` workflow command for a failure of the check `title` that
/// `source` asked for, with the first informative line of `message`; its file relative
/// to `cwd` where it is inside it.
pub fn annotation(source: &Source, title: &str, message: &str, cwd: &Path) -> String {
    // Relative to the checkout, or absolute for an outside fixture.
    let file = crate::paths::project_root().join(&source.file);
    let file = crate::paths::relative_to(&file, cwd).display().to_string();
    format!(
        "::error file={},line={},col={},title={}::{}",
        annotation_property(&file),
        source.line,
        source.column,
        annotation_property(&format!("{title} ({})", source.what)),
        annotation_data(&one_line(message))
    )
}

/// Escapes a workflow command's message (GitHub's rules: `%`, CR and LF).
fn annotation_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value (the message's rules, plus `:` and `,`).
fn annotation_property(text: &str) -> String {
    annotation_data(text)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

/// The first informative line of a failure message, shortened.
pub(crate) fn one_line(message: &str) -> String {
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
                runner: p.runner.into(),
            })
            .collect();
        if results
            .iter()
            .any(|(t, _)| t.adapter == AdapterColumn::NoAdapter)
        {
            adapters.insert(
                0,
                Column {
                    name: AdapterColumn::NO_ADAPTER.into(),
                    description: "fixtures built without an adapter".into(),
                    runner: ServedBy::None,
                },
            );
        }
        let mut rows: BTreeMap<String, BTreeMap<String, Cell>> = BTreeMap::new();
        for (trial, outcome) in results {
            let row = rows.entry(trial.row.clone()).or_default();
            match trial.adapter.name() {
                // A case file that cannot be read fails the fixture for every adapter.
                None => {
                    for column in &adapters {
                        row.insert(column.name.clone(), Cell::from(*outcome));
                    }
                }
                Some(name) => {
                    let cell = Cell::of(outcome, trial.asked_at.as_ref());
                    row.insert(name.to_string(), cell);
                }
            }
        }
        for (row, adapter, stale) in stale_tag_deviations(results) {
            rows.entry(row)
                .or_default()
                .insert(adapter, Cell::from(&stale));
        }
        Self {
            adapters,
            rows,
            claims: Vec::new(),
        }
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

    /// GitHub Actions workflow commands, one per failure that has a place in a case file:
    /// `::error file=…,line=…,col=…,title=…::reason`, so the pull request shows each on
    /// the line that asked for the check. Paths are relative to the working directory
    /// where they are inside it (a workflow runs in its checkout).
    pub fn annotations(&self) -> Vec<String> {
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut out = Vec::new();
        for (row, cells) in &self.rows {
            for (adapter, cell) in cells {
                let Some(source) = cell.source.as_ref().filter(|_| cell.status.is_failure()) else {
                    continue;
                };
                out.push(annotation(
                    source,
                    &format!("{adapter} · {row}"),
                    cell.reason.as_deref().unwrap_or_default(),
                    &cwd,
                ));
            }
        }
        out
    }

    /// Writes `matrix.json`, `junit.xml` and `matrix.md` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("matrix.json"), json + "\n")?;
        std::fs::write(dir.join("junit.xml"), self.junit())?;
        std::fs::write(dir.join("matrix.html"), self.html())?;
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

mod html;
mod junit;
mod markdown;
mod text;

#[cfg(test)]
mod tests;
