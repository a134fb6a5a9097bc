//! The matrix as Markdown, for a README, a job summary or a pull-request comment.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::*;

impl Matrix {
    /// The matrix as Markdown (for a README or a pull-request comment).
    pub fn markdown(&self) -> String {
        let mut out = String::from("## astro-conform matrix\n\n");
        for c in &self.adapters {
            let [pass, fail, dev, na] = self.counts(&c.name);
            let ours = c
                .ours_note()
                .map(|n| format!(" — {n}, not the vendor's"))
                .unwrap_or_default();
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
        if !self.claims.is_empty() {
            out.push_str("\n### What each adapter declares to Astro\n\n");
            out.push_str("| adapter | stack | feature | declared | checks that exercise it |\n|---|---|---|---|---|\n");
            for c in &self.claims {
                let mark = if c.broken() { "❌ " } else { "" };
                let _ = writeln!(
                    out,
                    "| {} | {} | `{}` | {} | {mark}{} |",
                    c.adapter,
                    c.stack,
                    c.feature,
                    md_escape(&c.declared),
                    md_escape(&c.verdict())
                );
            }
        }
        out
    }
}

fn md_escape(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
