//! Reads what `astro build` printed: the prerendered files, and Astro error names.
//!
//! astro 5 prints, under "prerendering static routes", a header per route
//! (`▶ src/pages/about.astro`, or `λ src/pages/feed.xml.ts` for an endpoint, even a
//! prerendered one) followed by its files (`└─ /about/index.html (+8ms)`). astro 7 prints
//! only the file lines. Both carry clock times and durations, which are ignored here.

use std::sync::LazyLock;

use regex::Regex;

/// Files one route wrote, as the log shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrerenderGroup {
    /// The route's source file, when the log names it (astro 5).
    pub source: Option<String>,
    /// Files written, relative to the output dir, with a leading `/`.
    pub files: Vec<String>,
}

/// The prerender section of a build log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PrerenderLog {
    /// False when the log has no prerender section at all (nothing was prerendered,
    /// or the build stopped before).
    pub found: bool,
    /// The groups in log order.
    pub groups: Vec<PrerenderGroup>,
    /// Files the log lists but says were not created (astro 6.1+: "file not created,
    /// response body was empty", also printed for a config redirect an adapter answers
    /// at run time).
    pub not_created: Vec<String>,
    /// File lines the page's own output interrupted: Astro prints the path, then whatever
    /// rendering printed (`console.log`, a `[WARN]`), then the duration on a later line,
    /// so the path runs on into that output. [`PrerenderLog::resolve_interrupted`] cuts it.
    pub interrupted: Vec<String>,
}

impl PrerenderLog {
    /// Every file the log says was written.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.groups
            .iter()
            .flat_map(|g| g.files.iter().map(String::as_str))
    }

    /// Cuts each interrupted file line to the longest of `known` (the files the probe
    /// saw written) that it starts with; a line no known file starts stays as printed,
    /// so the cross-check still reports it.
    pub fn resolve_interrupted(&mut self, known: &[&str]) {
        for file in self.groups.iter_mut().flat_map(|g| g.files.iter_mut()) {
            if !self.interrupted.contains(file) {
                continue;
            }
            let cut = known
                .iter()
                .filter(|k| file.starts_with(**k))
                .max_by_key(|k| k.len());
            if let Some(cut) = cut {
                *file = cut.to_string();
            }
        }
    }
}

static ANSI: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\x1b\[[0-9;]*[A-Za-z]").unwrap());
static CLOCK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^\d{2}:\d{2}:\d{2} ").unwrap());
static HEADER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"^[▶λ] (\S.*?)\s*$").unwrap());
static FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^[├└]─ (/.*?)( \(\+[\d.]+ ?m?s\))?(?: \(reused cache entry\))?( \(file not created[^)]*\))?\s*$",
    )
    .unwrap()
});
static ERROR_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^(?:\S+ )?\[([A-Z][A-Za-z0-9]*[a-z][A-Za-z0-9]*)\]").unwrap()
});

/// A log line without colour codes, clock prefix and surrounding blanks.
fn clean(line: &str) -> String {
    let line = ANSI.replace_all(line, "");
    CLOCK.replace(line.trim_start(), "").trim().to_string()
}

/// Parses the prerender section of an astro 5 or astro 7 build log.
pub fn parse(log: &str) -> PrerenderLog {
    let mut out = PrerenderLog::default();
    let mut inside = false;
    for raw in log.lines() {
        let line = clean(raw);
        if line.contains("prerendering static routes") || line.contains("generating static routes")
        {
            inside = true;
            out.found = true;
            continue;
        }
        if !inside {
            continue;
        }
        if line.starts_with("✓ Completed in") {
            inside = false;
        } else if let Some(c) = HEADER.captures(&line) {
            out.groups.push(PrerenderGroup {
                source: Some(c[1].to_string()),
                files: Vec::new(),
            });
        } else if let Some(c) = FILE.captures(&line) {
            if c.get(3).is_some() {
                out.not_created.push(c[1].to_string());
                continue;
            }
            if c.get(2).is_none() {
                out.interrupted.push(c[1].to_string());
            }
            if out.groups.is_empty() {
                out.groups.push(PrerenderGroup {
                    source: None,
                    files: Vec::new(),
                });
            }
            if let Some(group) = out.groups.last_mut() {
                group.files.push(c[1].to_string());
            }
        }
    }
    out
}

/// Astro error names (`[NoAdapterInstalled]`) printed in the log, in order, without repeats.
pub fn error_names(log: &str) -> Vec<String> {
    let clean: String = log.lines().map(|l| clean(l) + "\n").collect();
    let mut names: Vec<String> = Vec::new();
    for c in ERROR_NAME.captures_iter(&clean) {
        if !names.iter().any(|n| n == &c[1]) {
            names.push(c[1].to_string());
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(source: Option<&str>, files: &[&str]) -> PrerenderGroup {
        PrerenderGroup {
            source: source.map(str::to_string),
            files: files.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn astro5_headers_group_files_and_lambda_endpoints_count_as_prerendered() {
        let log = include_str!("testdata/astro5-build.log");
        let parsed = parse(log);
        assert!(parsed.found);
        assert_eq!(
            parsed.groups,
            vec![
                group(
                    Some("src/pages/blog/[slug].astro"),
                    &["/blog/a/index.html", "/blog/b/index.html"]
                ),
                group(Some("src/pages/feed.xml.ts"), &["/feed.xml"]),
                group(Some("src/pages/index.astro"), &["/index.html"]),
            ]
        );
    }

    #[test]
    fn files_not_created_are_not_written() {
        let log = "generating static routes\n\
                   14:02:11 ├─ /old/index.html (+2ms) (file not created, response body was empty)\n\
                   14:02:11 └─ /about/index.html (+1ms)\n\
                   ✓ Completed in 10ms.\n";
        let parsed = parse(log);
        assert_eq!(parsed.files().collect::<Vec<_>>(), ["/about/index.html"]);
        assert_eq!(parsed.not_created, ["/old/index.html"]);
    }

    #[test]
    fn astro7_file_lines_form_one_group_without_source() {
        let log = include_str!("testdata/astro7-build.log");
        let parsed = parse(log);
        assert!(parsed.found);
        assert_eq!(
            parsed.groups,
            vec![group(
                None,
                &[
                    "/blog/a/index.html",
                    "/blog/b/index.html",
                    "/feed.xml",
                    "/index.html"
                ]
            )]
        );
    }

    #[test]
    fn colours_and_missing_sections_are_handled() {
        let coloured = "\x1b[2m12:00:00\x1b[22m \x1b[7m prerendering static routes \x1b[27m\n\x1b[2m12:00:00\x1b[22m   \x1b[34m└─\x1b[39m /x/index.html \x1b[2m(+3ms)\x1b[22m\n✓ Completed in 3ms.\n  └─ /not/in/section.html\n";
        assert_eq!(
            parse(coloured).groups,
            vec![group(None, &["/x/index.html"])]
        );
        assert!(!parse("04:16:16 [build] Complete!\n").found);
    }

    #[test]
    fn output_printed_while_rendering_is_cut_off_the_file_name() {
        let log = "\
 prerendering static routes
08:04:20   ├─ /ok/index.html (+9ms)
08:04:20   ├─ /index.htmlrendering index
 (+5ms)
08:04:20   └─ /a/index.html08:04:20 [WARN] `Astro.request.headers` was used
 (+7ms)
08:04:20   └─ /b/index.htmlunknown output
 (+7ms)
08:04:20 ✓ Completed in 27ms.
";
        let mut parsed = parse(log);
        parsed.resolve_interrupted(&["/index.html", "/a/index.html", "/ok/index.html"]);
        assert_eq!(
            parsed.files().collect::<Vec<_>>(),
            [
                "/ok/index.html",
                "/index.html",
                "/a/index.html",
                // No file the probe saw starts this line: it stays, and disagrees.
                "/b/index.htmlunknown output"
            ]
        );
    }

    #[test]
    fn error_names_are_found() {
        let log = "04:16:16 [build] output: \"server\"\n[NoAdapterInstalled] Cannot use server-rendered pages without an adapter.\n  Hint:\n04:16:16 [ERROR] [NoAdapterInstalled] again\n";
        assert_eq!(error_names(log), vec!["NoAdapterInstalled".to_string()]);
        assert!(error_names("04:16:16 [build] Complete!\n[vite] built").is_empty());
    }
}
