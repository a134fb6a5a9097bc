//! Redaction of volatile parts (temp paths, clock times, durations, ports, content
//! hashes) by an ordered pipeline of named steps, so listings and snapshots are byte-identical
//! for identical inputs. Content hashes are learned, not guessed: the probe records each
//! hashed file name from the bundler's own name pattern; only files no bundle named fall
//! back to a guess from the name's characters.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;

use crate::pipeline::build::Build;
use crate::pipeline::install::stack::InstalledStack;

/// One named step of the pipeline.
pub struct Step {
    /// The step's name, for messages and tests.
    pub name: &'static str,
    apply: fn(&str, &Redactor) -> String,
}

/// The steps, in the order they run. Paths go first (they may contain digits that later
/// steps would otherwise rewrite), content hashes last.
pub(crate) const STEPS: &[Step] = &[
    Step {
        name: "ansi",
        apply: ansi,
    },
    Step {
        name: "paths",
        apply: paths,
    },
    Step {
        name: "clock",
        apply: clock,
    },
    Step {
        name: "durations",
        apply: durations,
    },
    Step {
        name: "ports",
        apply: ports,
    },
    Step {
        name: "content-hashes",
        apply: content_hashes,
    },
];

/// The pipeline with the paths it must hide.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// (path, placeholder), longest path first.
    paths: Vec<(String, String)>,
    /// Hashed file basenames the build wrote, each with its hash as `[hash]`.
    hashed_names: BTreeMap<String, String>,
}

impl Redactor {
    /// Hides the build's workdir (as `[project]`), the stack's `node_modules` and the
    /// content hashes of the files the build wrote.
    pub fn for_build(build: &Build, stack: Option<&InstalledStack>) -> Self {
        let r = Self::default()
            .with_path(&build.workdir, "[project]")
            .with_hashed_names(build.probe.hashed_names.clone());
        match stack {
            Some(s) => r.with_path(&s.node_modules, "[node_modules]"),
            None => r,
        }
    }

    /// Hides `path` (and its canonical form) behind `placeholder`, e.g. `[project]`.
    pub fn with_path(mut self, path: &Path, placeholder: &str) -> Self {
        let mut forms = vec![path.to_string_lossy().into_owned()];
        if let Ok(real) = path.canonicalize() {
            forms.push(real.to_string_lossy().into_owned());
        }
        for form in forms {
            let form = form.trim_end_matches('/').to_string();
            if form.len() > 1 && !self.paths.iter().any(|(p, _)| p == &form) {
                self.paths.push((form, placeholder.to_string()));
            }
        }
        self.paths.sort_by_key(|p| std::cmp::Reverse(p.0.len()));
        self
    }

    /// Hides the hashes of these file basenames (name → name with `[hash]`), as the
    /// probe learned them from the bundler.
    pub fn with_hashed_names(mut self, names: BTreeMap<String, String>) -> Self {
        self.hashed_names.extend(names);
        self
    }

    /// Runs every step in order.
    pub fn apply(&self, text: &str) -> String {
        STEPS
            .iter()
            .fold(text.to_string(), |t, step| (step.apply)(&t, self))
    }

    /// Runs one step by name (for tests and debugging).
    pub fn apply_step(&self, name: &str, text: &str) -> Option<String> {
        STEPS
            .iter()
            .find(|s| s.name == name)
            .map(|s| (s.apply)(text, self))
    }
}

fn replace(re: &Regex, text: &str, with: &str) -> String {
    match re.replace_all(text, with) {
        Cow::Borrowed(_) => text.to_string(),
        Cow::Owned(s) => s,
    }
}

fn ansi(text: &str, _: &Redactor) -> String {
    static RE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\x1b\[[0-9;]*[A-Za-z]").unwrap());
    replace(&RE, text, "")
}

fn paths(text: &str, r: &Redactor) -> String {
    r.paths
        .iter()
        .fold(text.to_string(), |t, (path, placeholder)| {
            t.replace(path.as_str(), placeholder)
        })
}

fn clock(text: &str, _: &Redactor) -> String {
    static RE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?m)^(?:\d{2}:\d{2}:\d{2} )+").unwrap());
    replace(&RE, text, "")
}

fn durations(text: &str, _: &Redactor) -> String {
    static PLUS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\(\+\d+(?:\.\d+)?\s?(?:ms|s)\)").unwrap());
    static IN: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(in|Generated|built in) \d+(?:\.\d+)?\s?(?:ms|s)\b").unwrap()
    });
    let t = replace(&PLUS, text, "(+[time])");
    replace(&IN, &t, "$1 [time]")
}

fn ports(text: &str, _: &Redactor) -> String {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"\b(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):\d{2,5}\b").unwrap()
    });
    replace(&RE, text, "$1:[port]")
}

fn content_hashes(text: &str, r: &Redactor) -> String {
    // Whole path components only: a learned name inside a longer one is another file.
    static COMPONENT: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[^/\s]+").unwrap());
    let learned = COMPONENT
        .replace_all(text, |c: &regex::Captures| {
            r.hashed_names
                .get(&c[0])
                .cloned()
                .unwrap_or_else(|| c[0].to_string())
        })
        .into_owned();
    unlearned_hashes(&learned)
}

/// Files no bundle named (an adapter's own output, written after the bundler ran) have
/// no learned name; for those alone, 8 base64url characters before a known extension
/// count as a hash when one is a digit or a capital, which spares plain words.
fn unlearned_hashes(text: &str) -> String {
    static RE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"([._])([A-Za-z0-9_-]{8})(\.(?:mjs|cjs|js|css|map|wasm|svg|png|jpe?g|webp|avif|woff2?))\b").unwrap()
    });
    RE.replace_all(text, |c: &regex::Captures| {
        let hash = &c[2];
        if hash
            .chars()
            .any(|ch| ch.is_ascii_digit() || ch.is_ascii_uppercase())
        {
            format!("{}[hash]{}", &c[1], &c[3])
        } else {
            c[0].to_string()
        }
    })
    .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(name: &str, text: &str) -> String {
        Redactor::default()
            .with_path(Path::new("/tmp/work/abc"), "[project]")
            .apply_step(name, text)
            .unwrap()
    }

    #[test]
    fn ansi_codes_are_removed() {
        assert_eq!(step("ansi", "\x1b[32m✓\x1b[39m done"), "✓ done");
    }

    #[test]
    fn paths_become_placeholders_longest_first() {
        let r = Redactor::default()
            .with_path(Path::new("/tmp/work"), "[tmp]")
            .with_path(Path::new("/tmp/work/abc"), "[project]");
        assert_eq!(
            r.apply_step("paths", "at /tmp/work/abc/dist/ and /tmp/work/x")
                .unwrap(),
            "at [project]/dist/ and [tmp]/x"
        );
    }

    #[test]
    fn clock_prefixes_are_removed() {
        assert_eq!(
            step("clock", "04:16:17 ▶ src/pages/a.astro\nnot 04:16:17 here"),
            "▶ src/pages/a.astro\nnot 04:16:17 here"
        );
    }

    #[test]
    fn durations_are_hidden() {
        assert_eq!(
            step(
                "durations",
                "└─ /a/index.html (+16ms)\n✓ Completed in 1.03s.\n[types] Generated 103ms"
            ),
            "└─ /a/index.html (+[time])\n✓ Completed in [time].\n[types] Generated [time]"
        );
    }

    #[test]
    fn ports_are_hidden() {
        assert_eq!(
            step("ports", "http://127.0.0.1:43123/ and localhost:4321"),
            "http://127.0.0.1:[port]/ and localhost:[port]"
        );
    }

    #[test]
    fn learned_hashes_are_hidden_whatever_their_letters_and_words_are_kept() {
        let names = [
            ("explicit-false_nkiupir-.mjs", "explicit-false_[hash].mjs"),
            ("index.DdF3x2Kq.css", "index.[hash].css"),
        ];
        let r = Redactor::default().with_hashed_names(
            names
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect(),
        );
        assert_eq!(
            r.apply_step(
                "content-hashes",
                "server/chunks/explicit-false_nkiupir-.mjs\nclient/_astro/index.DdF3x2Kq.css\nserver/noop-entrypoint.mjs\nserver/chunks/manifest_abcdefgh.mjs\nx-explicit-false_nkiupir-.mjs"
            )
            .unwrap(),
            "server/chunks/explicit-false_[hash].mjs\nclient/_astro/index.[hash].css\nserver/noop-entrypoint.mjs\nserver/chunks/manifest_abcdefgh.mjs\nx-explicit-false_nkiupir-.mjs"
        );
    }

    #[test]
    fn the_pipeline_is_idempotent_on_a_real_log() {
        let r = Redactor::default().with_path(Path::new("/tmp/exp/proj"), "[project]");
        for log in [
            include_str!("testdata/astro5-build.log"),
            include_str!("testdata/astro7-build.log"),
        ] {
            let once = r.apply(log);
            assert_eq!(r.apply(&once), once);
            assert!(!once.contains("/tmp/exp/proj"));
            assert!(!once.contains("ms)"), "{once}");
        }
    }
}
