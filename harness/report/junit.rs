//! The matrix as JUnit XML, for CI test reporters.

use std::fmt::Write as _;

use super::*;

impl Matrix {
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
                testcase(&mut out, &c.name, row, cell);
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

/// One `<testcase>`: empty for a pass, with `<failure>` or `<skipped>` and the reason else.
fn testcase(out: &mut String, adapter: &str, row: &str, cell: &Cell) {
    let _ = write!(
        out,
        "    <testcase classname=\"astro-conform.{}\" name=\"{}\"",
        xml_escape(adapter),
        xml_escape(row)
    );
    if let Some(source) = &cell.source {
        let _ = write!(
            out,
            " file=\"{}\" line=\"{}\"",
            xml_escape(&source.file),
            source.line
        );
    }
    let reason = xml_escape(cell.reason.as_deref().unwrap_or_default());
    let detail = xml_escape(cell.detail.as_deref().unwrap_or_default());
    let _ = match cell.status {
        Status::Pass => writeln!(out, "/>"),
        Status::Fail | Status::StaleDeviation => writeln!(
            out,
            ">\n      <failure message=\"{reason}\">{detail}</failure>\n    </testcase>"
        ),
        Status::Deviation => writeln!(
            out,
            ">\n      <skipped message=\"known deviation: {reason}\"/>\n      <system-out>{detail}</system-out>\n    </testcase>"
        ),
        Status::NotApplicable => writeln!(
            out,
            ">\n      <skipped message=\"not applicable: {reason}\"/>\n    </testcase>"
        ),
    };
}

/// Escapes text for XML attributes and content, dropping characters XML 1.0 forbids.
pub(crate) fn xml_escape(text: &str) -> String {
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
