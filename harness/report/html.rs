//! The matrix as one self-contained HTML page: the table, every non-pass reason, and each
//! failure's whole message (expected and actual, the snapshot diff, the log tail). No
//! external files; a few lines of script count the cells and filter the rows.

use std::fmt::Write as _;

use super::junit::xml_escape;
use super::*;

const STYLE: &str = "body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}\
td,th{border:1px solid #ccc;padding:2px 8px;text-align:left}td.cell{text-align:center}\
.pass{background:#e6f4ea}.fail,.stale-deviation{background:#fce8e6;font-weight:bold}\
.deviation{background:#fef7e0}.not-applicable{color:#888}pre{white-space:pre-wrap;background:#f6f6f6;padding:8px}\
body.failures-only tr.clean{display:none}";

/// Counts the cells by status into #summary, and lets a checkbox hide the rows without a
/// failure.
const SCRIPT: &str = "const count=s=>document.querySelectorAll('td.'+s).length;\
document.getElementById('summary').textContent=\
`${count('pass')} pass, ${count('fail')+count('stale-deviation')} fail, ${count('deviation')} known deviation, ${count('not-applicable')} n/a`;\
document.getElementById('only').addEventListener('change',e=>document.body.classList.toggle('failures-only',e.target.checked));";

impl Status {
    /// The CSS class of a cell.
    fn class(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Deviation => "deviation",
            Status::StaleDeviation => "stale-deviation",
            Status::NotApplicable => "not-applicable",
        }
    }
}

impl Matrix {
    /// The matrix as a self-contained HTML page.
    pub fn html(&self) -> String {
        let mut out = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>astro-conform matrix</title><style>{STYLE}</style></head><body>\n<h1>astro-conform matrix</h1>\n<p id=\"summary\"></p>\n<ul>\n"
        );
        for c in &self.adapters {
            let ours = c.ours_note().map(|n| format!(" ({n})")).unwrap_or_default();
            let _ = writeln!(
                out,
                "<li><b>{}</b>: {}{ours}</li>",
                xml_escape(&c.name),
                xml_escape(&c.description)
            );
        }
        out.push_str("</ul>\n<label><input type=\"checkbox\" id=\"only\"> only rows with a failure</label>\n<table id=\"matrix\"><tr><th>check</th>");
        for c in &self.adapters {
            let _ = write!(out, "<th>{}</th>", xml_escape(&c.name));
        }
        out.push_str("</tr>\n");
        for (row, cells) in &self.rows {
            let failing = cells.values().any(|c| c.status.is_failure());
            let class = if failing { "failing" } else { "clean" };
            let _ = write!(
                out,
                "<tr class=\"{class}\"><td><code>{}</code></td>",
                xml_escape(row)
            );
            for c in &self.adapters {
                match cells.get(&c.name) {
                    None => out.push_str("<td></td>"),
                    Some(cell) => {
                        let title = cell.reason.as_deref().map(xml_escape).unwrap_or_default();
                        let _ = write!(
                            out,
                            "<td class=\"cell {}\" title=\"{title}\">{}</td>",
                            cell.status.class(),
                            cell.status.text()
                        );
                    }
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
        self.html_details(&mut out);
        let _ = write!(out, "<script>{SCRIPT}</script>\n</body></html>\n");
        out
    }

    /// Each failure's whole message, then the reasons of the other non-pass cells.
    fn html_details(&self, out: &mut String) {
        out.push_str("<h2>Failures</h2>\n");
        for (row, cells) in &self.rows {
            for (adapter, cell) in cells.iter().filter(|(_, c)| c.status.is_failure()) {
                let detail = cell
                    .detail
                    .as_deref()
                    .or(cell.reason.as_deref())
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "<details class=\"failure\"><summary>{} · <code>{}</code>: {}</summary><pre>{}</pre></details>",
                    xml_escape(adapter),
                    xml_escape(row),
                    xml_escape(cell.reason.as_deref().unwrap_or_default()),
                    xml_escape(detail)
                );
            }
        }
        out.push_str("<h2>Deviations and checks that do not apply</h2>\n<ul>\n");
        let notes = self.notes();
        if notes.iter().all(|(_, _, cell)| cell.status.is_failure()) {
            out.push_str("<li>none</li>\n");
        }
        for (adapter, row, cell) in notes {
            if !cell.status.is_failure() {
                let _ = writeln!(
                    out,
                    "<li>{} {} · <code>{}</code>: {}</li>",
                    cell.status.text(),
                    xml_escape(&adapter),
                    xml_escape(&row),
                    xml_escape(cell.reason.as_deref().unwrap_or_default())
                );
            }
        }
        out.push_str("</ul>\n");
        if !self.claims.is_empty() {
            out.push_str("<h2>What each adapter declares to Astro</h2>\n<pre>");
            out.push_str(&xml_escape(&self.claim_lines().join("\n")));
            out.push_str("</pre>\n");
        }
    }
}
