//! Property tests of the pure parts: the build-log parser, the listing formatter and its
//! parser, the redaction pipeline, and Set-Cookie parsing in the cookie assertions.

use std::path::Path;
use std::time::Duration;

use proptest::prelude::*;

use astro_conform::astro::{Mode, Origin, RouteType};
use astro_conform::pipeline::classify::buildlog;
use astro_conform::pipeline::classify::redact::Redactor;
use astro_conform::pipeline::classify::{Classification, Route, parse_listing};
use astro_conform::pipeline::discover::expect::Expect;
use astro_conform::pipeline::request::expect;
use astro_conform::pipeline::request::http::{Chunk, Exchange};

fn mode() -> impl Strategy<Value = Mode> {
    prop_oneof![Just(Mode::Prerendered), Just(Mode::OnDemand)]
}

fn source() -> impl Strategy<Value = String> {
    "src/pages(/[a-z0-9_.\\[\\]-]{1,8}){1,3}\\.(astro|ts|md)"
}

fn file() -> impl Strategy<Value = String> {
    "(/[a-z0-9é._-]{1,8}){1,3}(/index\\.html|\\.xml|\\.json)?"
}

/// A prerendered group of the log: its source and files.
fn groups() -> impl Strategy<Value = Vec<(String, Vec<String>)>> {
    prop::collection::vec((source(), prop::collection::vec(file(), 1..4)), 0..6)
}

/// A log line prefix as Astro prints it: clock, sometimes colour codes.
fn prefixed(line: &str, i: usize, ansi: bool) -> String {
    let clock = format!("{:02}:{:02}:{:02} ", i % 24, i % 60, (i * 7) % 60);
    if ansi {
        format!("\x1b[2m{clock}\x1b[22m{line}")
    } else {
        format!("{clock}{line}")
    }
}

fn tree_line(file: &str, last: bool, ms: usize) -> String {
    let branch = if last { "└─" } else { "├─" };
    format!("  {branch} {file} (+{ms}ms) ")
}

proptest! {
    #[test]
    fn the_log_parser_reads_back_every_file_of_astro5_and_astro7_logs(
        groups in groups(),
        ansi in any::<bool>(),
        ms in 0usize..5000,
    ) {
        let _machine = crate::support::shared_machine();
        let mut astro5 = vec!["[build] ✓ Completed in 1.03s.".to_string(), String::new(), " prerendering static routes ".to_string()];
        let mut astro7 = astro5.clone();
        let all: Vec<&String> = groups.iter().flat_map(|(_, f)| f).collect();
        for (source, files) in &groups {
            astro5.push(format!("▶ {source}"));
            for (i, f) in files.iter().enumerate() {
                astro5.push(tree_line(f, i + 1 == files.len(), ms));
            }
        }
        for (i, f) in all.iter().enumerate() {
            astro7.push(tree_line(f, i + 1 == all.len(), ms));
        }
        for log in [&mut astro5, &mut astro7] {
            log.push("✓ Completed in 31ms.".into());
            log.push("[build] Complete!".into());
        }
        let render = |lines: &[String]| -> String {
            lines.iter().enumerate().map(|(i, l)| prefixed(l, i, ansi) + "\n").collect()
        };

        let parsed5 = buildlog::parse(&render(&astro5));
        prop_assert!(parsed5.found);
        let got5: Vec<(Option<String>, Vec<String>)> =
            parsed5.groups.iter().map(|g| (g.source.clone(), g.files.clone())).collect();
        let want5: Vec<(Option<String>, Vec<String>)> =
            groups.iter().map(|(s, f)| (Some(s.clone()), f.clone())).collect();
        prop_assert_eq!(got5, want5);

        let parsed7 = buildlog::parse(&render(&astro7));
        let got7: Vec<&str> = parsed7.files().collect();
        let want7: Vec<&str> = all.iter().map(|s| s.as_str()).collect();
        prop_assert_eq!(got7, want7);
    }

    #[test]
    fn the_listing_reads_back_as_it_was_written(
        routes in prop::collection::vec(
            (source(), mode(), prop::collection::vec(file(), 0..3), any::<bool>(), "/[a-z_/]{0,10}"),
            0..8,
        )
    ) {
        let _machine = crate::support::shared_machine();
        let classification = Classification {
            routes: routes
                .iter()
                .map(|(source, mode, files, injected, pattern)| Route {
                    source: source.clone(),
                    pattern: pattern.clone(),
                    kind: RouteType::Page,
                    origin: if *injected { Origin::Internal } else { Origin::Project },
                    mode: *mode,
                    files: files.clone(),
                })
                .collect(),
            ..Classification::default()
        };
        let listing = classification.listing(true);
        let parsed = parse_listing(&listing).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parsed.len(), routes.len());
        for (p, r) in parsed.iter().zip(&classification.routes) {
            prop_assert_eq!(p.mode, r.mode);
            prop_assert_eq!(&p.source, &r.source);
            prop_assert_eq!(&p.files, &r.files);
            let marker = r.is_hidden_by_default().then(|| format!("{} {}: {}", r.origin, r.kind, r.pattern));
            prop_assert_eq!(&p.marker, &marker);
        }
        // The hidden routes vanish from the default listing and nothing else does.
        let shown = parse_listing(&classification.listing(false)).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(shown.len(), classification.routes.iter().filter(|r| !r.is_hidden_by_default()).count());
    }

    #[test]
    fn redaction_is_idempotent_on_anything_log_like(
        parts in prop::collection::vec(
            prop_oneof![
                Just("/tmp/work/proj/dist/server/entry.mjs".to_string()),
                Just("04:16:17 ".to_string()),
                Just("(+16ms) ".to_string()),
                Just("in 1.03s.".to_string()),
                Just("http://127.0.0.1:43121/".to_string()),
                Just("node_BpXCKZJ-.mjs".to_string()),
                Just("\x1b[32m".to_string()),
                "[ -~]{0,12}",
            ],
            0..12,
        )
    ) {
        let _machine = crate::support::shared_machine();
        let text = parts.concat();
        let redactor = Redactor::default()
            .with_path(Path::new("/tmp/work/proj"), "[project]")
            .with_hashed_names([("node_BpXCKZJ-.mjs".into(), "node_[hash].mjs".into())].into());
        let once = redactor.apply(&text);
        prop_assert_eq!(redactor.apply(&once), once);
    }

    #[test]
    fn a_set_cookie_line_meets_an_expectation_of_its_own_attributes(
        name in "[a-z][a-z0-9_]{0,8}",
        value in "[A-Za-z0-9._~-]{0,12}",
        path in prop::option::of("/[a-z]{0,6}"),
        http_only in any::<bool>(),
        secure in any::<bool>(),
        same_site in prop::option::of(prop::sample::select(vec!["Strict", "Lax", "None"])),
        max_age in prop::option::of(1i64..100_000),
    ) {
        let _machine = crate::support::shared_machine();
        let mut line = format!("{name}={value}");
        if let Some(p) = &path { line += &format!("; Path={p}"); }
        if http_only { line += "; HttpOnly"; }
        if secure { line += "; Secure"; }
        if let Some(s) = same_site { line += &format!("; SameSite={s}"); }
        if let Some(m) = max_age { line += &format!("; Max-Age={m}"); }
        let exchange = Exchange {
            status: 200,
            reason: "OK".into(),
            headers: vec![("set-cookie".into(), line.clone()), ("set-cookie".into(), "other=1".into())],
            chunks: vec![Chunk { at: Duration::ZERO, bytes: Vec::new() }],
            complete: true,
            body_error: None,
        };
        let mut cookie = toml::Table::new();
        cookie.insert("name".into(), name.clone().into());
        cookie.insert("value".into(), value.clone().into());
        cookie.insert("http_only".into(), http_only.into());
        cookie.insert("secure".into(), secure.into());
        cookie.insert("deleted".into(), false.into());
        if let Some(p) = &path { cookie.insert("path".into(), p.clone().into()); }
        if let Some(s) = same_site { cookie.insert("same_site".into(), s.into()); }
        if let Some(m) = max_age { cookie.insert("max_age".into(), m.into()); }
        let mut table = toml::Table::new();
        table.insert("cookie_count".into(), 2.into());
        table.insert("cookies".into(), toml::Value::Array(vec![cookie.clone().into()]));
        let expect: Expect = table.clone().try_into().unwrap();
        let failures = expect::check(&expect, &exchange);
        prop_assert!(failures.is_empty(), "{line}: {failures:?}");

        // A different value must fail, naming the cookie.
        cookie.insert("value".into(), format!("{value}x").into());
        table.insert("cookies".into(), toml::Value::Array(vec![cookie.into()]));
        let wrong: Expect = table.try_into().unwrap();
        let failures = expect::check(&wrong, &exchange);
        prop_assert!(failures.iter().any(|f| f.message.starts_with(&format!("cookie {name}: value expected"))), "{failures:?}");
    }
}
