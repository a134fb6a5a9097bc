//! The upgrade report: one document in the terminal, as JSON, as Markdown (for a pull
//! request) and as HTML, with the verdict that sets the exit status.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::perf::ab::AbReport;

use super::{ChecksDiff, ListingDiff, Move, ResponseDiff};

/// One side of the upgrade.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub astro: String,
    pub node: String,
    /// The build's failure (with its log tail) when it did not build.
    pub build_error: Option<String>,
}

/// Everything `upgrade` found.
#[derive(Debug, Clone, Serialize)]
pub struct UpgradeReport {
    /// The site's folder name.
    pub site: String,
    pub from: Side,
    pub to: Side,
    pub packages: Vec<Move>,
    pub listing: ListingDiff,
    /// Where the requests came from: the site's astro-conform.toml, or generated as
    /// `init` would.
    pub requests_from: String,
    pub requests: usize,
    pub responses: Vec<ResponseDiff>,
    /// `None` without an astro-conform.toml.
    pub checks: Option<ChecksDiff>,
    /// `None` when not measured; then `speed_note` says why.
    pub speed: Option<AbReport>,
    pub speed_note: Option<String>,
}

impl UpgradeReport {
    /// Why the upgrade fails (exit 1): a route changed mode, the target does not build, a
    /// check that passed fails, a route is judged slower. Empty when none holds.
    pub fn failures(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .listing
            .mode_changes()
            .map(|r| {
                format!(
                    "{} changed mode: {} → {}",
                    r.source,
                    mode(r.from),
                    mode(r.to)
                )
            })
            .collect();
        if self.to.build_error.is_some() && self.from.build_error.is_none() {
            out.push(format!(
                "the site does not build on astro {}",
                self.to.astro
            ));
        }
        for (check, _) in self.checks.iter().flat_map(|c| &c.now_failing) {
            out.push(format!("check {check} passed before and fails now"));
        }
        for route in self.speed.iter().flat_map(|s| s.slower()) {
            out.push(format!("route {} is judged slower", route.name));
        }
        out
    }

    /// The report as Markdown; the terminal shows the same text.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "## Upgrade of {}: astro {} → {}\n",
            self.site, self.from.astro, self.to.astro
        );
        if self.from.node == self.to.node {
            let _ = writeln!(out, "Both on Node {}.\n\n### Packages\n", self.from.node);
        } else {
            let _ = writeln!(
                out,
                "Node changes too, {} → {} (each Astro runs on a Node it accepts): the \
                 responses and the speed compare both changes.\n\n### Packages\n",
                self.from.node, self.to.node
            );
        }
        out.push_str("| package | before | after | why |\n|---|---|---|---|\n");
        for m in &self.packages {
            let to = m.to.as_deref().unwrap_or("**no supporting release**");
            let _ = writeln!(out, "| `{}` | {} | {to} | {} |", m.package, m.from, m.why);
        }
        for (side, name) in [(&self.from, "before"), (&self.to, "after")] {
            if let Some(error) = &side.build_error {
                let _ = writeln!(out, "\n**The build fails {name}:**\n\n```\n{error}\n```");
            }
        }
        out.push_str("\n### Routes\n\n");
        if self.listing.routes.is_empty() {
            out.push_str("Every route keeps its mode and its files.\n");
        } else {
            out.push_str(
                "| route | before | after | files added | files removed |\n|---|---|---|---|---|\n",
            );
            for r in &self.listing.routes {
                let internal = if r.internal { " (injected)" } else { "" };
                let _ = writeln!(
                    out,
                    "| `{}`{internal} | {} | {} | {} | {} |",
                    r.source,
                    mode(r.from),
                    mode(r.to),
                    r.files_added.join(" "),
                    r.files_removed.join(" ")
                );
            }
        }
        let _ = writeln!(
            out,
            "\n### Responses\n\n{} request(s), from {}.\n",
            self.requests, self.requests_from
        );
        if self.requests == 0 {
            out.push_str(
                "No request to compare: no on-demand route, and no request in a case file. \
                 Prerendered files are compared by name only (above).\n",
            );
        } else if self.responses.is_empty() {
            out.push_str("Every response has the same status, headers, cookies and body shape.\n");
        }
        for r in &self.responses {
            let _ = writeln!(out, "- `{}`", r.request);
            for (what, a, b) in &r.differences {
                let _ = writeln!(out, "  - {what}: `{a}` → `{b}`");
            }
        }
        if let Some(checks) = &self.checks {
            out.push_str("\n### Checks of astro-conform.toml\n\n");
            if checks.now_failing.is_empty() && checks.now_passing.is_empty() {
                out.push_str("Every check has the same outcome.\n");
            }
            for (check, message) in &checks.now_failing {
                let _ = writeln!(
                    out,
                    "- ❌ `{check}` passed before, fails now: {}",
                    crate::report::one_line(message)
                );
            }
            for check in &checks.now_passing {
                let _ = writeln!(out, "- ✅ `{check}` failed before, passes now");
            }
        }
        out.push_str("\n### Speed (on-demand routes, A = before, B = after)\n\n");
        match (&self.speed, &self.speed_note) {
            (Some(ab), _) => {
                let _ = writeln!(out, "```\n{}```", ab.table());
            }
            (None, note) => {
                let _ = writeln!(out, "{}", note.as_deref().unwrap_or("not measured"));
            }
        }
        let failures = self.failures();
        out.push_str("\n### Verdict\n\n");
        if failures.is_empty() {
            out.push_str("No route changed mode, no check broke, nothing is slower.\n");
        }
        for f in &failures {
            let _ = writeln!(out, "- {f}");
        }
        out
    }

    /// The report as one HTML page (the Markdown, escaped, in a readable frame).
    pub fn html(&self) -> String {
        let escaped = self
            .markdown()
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>astro-conform upgrade: {}</title>\
             <style>body{{font:14px/1.5 ui-monospace,monospace;margin:2em;white-space:pre-wrap}}</style>\
             </head><body>{escaped}</body></html>\n",
            self.site
        )
    }

    /// Writes `upgrade.json`, `upgrade.md` and `upgrade.html` into `dir`.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(dir.join("upgrade.json"), json + "\n")?;
        std::fs::write(dir.join("upgrade.md"), self.markdown())?;
        std::fs::write(dir.join("upgrade.html"), self.html())
    }
}

fn mode(m: Option<crate::astro::Mode>) -> String {
    m.map_or("(none)".into(), |m| m.to_string())
}
