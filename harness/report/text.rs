//! The matrix as a plain-text table for the terminal.

use std::fmt::Write as _;

use super::*;

impl Matrix {
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
            let ours = c.ours_note().map(|n| format!(" ({n})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "{}: {pass} pass, {fail} fail, {dev} known deviation, {na} n/a{ours}",
                c.name
            );
        }
        let claims = self.claim_lines();
        if !claims.is_empty() {
            out.push('\n');
            for line in claims {
                out.push_str(&line);
                out.push('\n');
            }
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
}
