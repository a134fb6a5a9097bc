//! Unit tests of the parent module.

use super::*;

fn cell(status: Status, reason: Option<&str>) -> Cell {
    Cell {
        status,
        reason: reason.map(str::to_string),
        detail: reason.map(|r| format!("GET /x:\n  {r}")),
        source: None,
        mismatches: Vec::new(),
    }
}

fn sample() -> Matrix {
    let mut m = Matrix {
        adapters: vec![
            Column {
                name: "node".into(),
                description: "node".into(),
                runner: ServedBy::Adapter,
            },
            Column {
                name: "vercel".into(),
                description: "vercel | runner".into(),
                runner: ServedBy::Ours,
            },
        ],
        rows: BTreeMap::new(),
        claims: Vec::new(),
    };
    let mut a = BTreeMap::new();
    a.insert("node".to_string(), cell(Status::Pass, None));
    a.insert(
        "vercel".to_string(),
        cell(Status::Fail, Some("expected status 307, got <200>")),
    );
    m.rows.insert("astro7/routing/http/a".into(), a);
    let mut b = BTreeMap::new();
    b.insert(
        "node".to_string(),
        cell(Status::NotApplicable, Some("needs astro 7")),
    );
    b.insert(
        "vercel".to_string(),
        cell(Status::Deviation, Some("redirects /about")),
    );
    m.rows.insert("astro5/routing/http/b".into(), b);
    m
}

#[test]
fn one_line_joins_a_heading_with_its_first_item_and_shortens() {
    assert_eq!(
        one_line("GET /x:\n  expected status 200, got 404\n  more"),
        "GET /x: expected status 200, got 404"
    );
    assert_eq!(one_line(&"a".repeat(500)).chars().count(), REASON_CHARS);
}

#[test]
fn every_format_shows_every_status_and_reason() {
    let m = sample();
    let text = m.text();
    assert!(text.contains("FAIL"), "{text}");
    assert!(text.contains("deviation"), "{text}");
    assert!(text.contains("vercel: 0 pass, 1 fail, 1 known deviation, 0 n/a (served by astro-conform's own runner)"), "{text}");
    assert!(
        text.contains("n/a       node · astro5/routing/http/b: needs astro 7"),
        "{text}"
    );
    let md = m.markdown();
    assert!(
        md.contains("| `astro7/routing/http/a` | ✅ | ❌ [2] |"),
        "{md}"
    );
    assert!(md.contains("vercel \\| runner"), "{md}");
    assert!(md.contains("not the vendor's"), "{md}");
    let xml = m.junit();
    assert!(
        xml.contains("<failure message=\"expected status 307, got &lt;200&gt;\">"),
        "{xml}"
    );
    assert!(
        xml.contains("<skipped message=\"known deviation: redirects /about\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains("tests=\"4\" failures=\"1\" skipped=\"2\""),
        "{xml}"
    );
    let back: Matrix = serde_json::from_str(&serde_json::to_string(&m).unwrap()).unwrap();
    assert_eq!(back, m);
}

#[test]
fn regressions_are_new_failures_only() {
    let old = sample();
    assert!(old.regressions(&old).is_empty());
    let mut new = old.clone();
    new.rows
        .get_mut("astro5/routing/http/b")
        .unwrap()
        .insert("vercel".into(), cell(Status::Fail, Some("broke")));
    assert_eq!(
        new.regressions(&old),
        vec!["vercel · astro5/routing/http/b: broke (was deviation)"]
    );
    assert_eq!(
        new.regressions(&Matrix::default()).len(),
        2,
        "with an empty baseline every failure counts"
    );
}

#[test]
fn xml_escape_drops_control_characters() {
    assert_eq!(junit::xml_escape("a\u{1b}[31m<b>"), "a[31m&lt;b&gt;");
}

#[test]
fn a_case_file_that_cannot_be_read_fails_in_every_column() {
    let trial = crate::suite::Trial {
        name: "fixtures/x/case.toml".into(),
        adapter: crate::suite::AdapterColumn::Every,
        row: "fixtures/x/case.toml".into(),
        skipped: None,
        deviation: None,
        asked_at: None,
        work: crate::suite::Work::BadCase("x/case.toml:2:1: unknown field".into()),
    };
    let outcome = Outcome::Fail("x/case.toml:2:1: unknown field".into());
    let m = Matrix::new(&[], &[(&trial, &outcome)]);
    assert!(m.adapters.is_empty());
    let profile = |name: &str| {
        crate::pipeline::discover::adapter::Profile::parse(
            std::path::Path::new(&format!("{name}.toml")),
            "description = \"d\"\n[config]\nimport = \"\"\nadapter = \"a\"\n[output]\nentry = \"e\"\nstatic = \"s\"\n[serve]\ncommand = [\"x\"]\n",
        )
        .unwrap()
    };
    let (a, b) = (profile("a"), profile("b"));
    let m = Matrix::new(&[&a, &b], &[(&trial, &outcome)]);
    let row = &m.rows["fixtures/x/case.toml"];
    assert_eq!(row.len(), 2);
    assert!(row.values().all(|c| c.status == Status::Fail));
    assert!(m.markdown().contains("❌"), "{}", m.markdown());
}

#[test]
fn a_behaviour_deviation_no_check_shows_is_reported_stale_once() {
    use crate::pipeline::discover::request::Tag;
    use crate::suite::KnownDeviation;
    let trial = |row: &str| crate::suite::Trial {
        name: format!("astro7/mw/{row}"),
        adapter: crate::suite::AdapterColumn::Profile("mw".into()),
        row: format!("astro7/{row}"),
        skipped: None,
        deviation: Some(KnownDeviation {
            reason: "no 404 page".into(),
            tag: Some(Tag::NotFoundPage),
        }),
        asked_at: None,
        work: crate::suite::Work::BadCase(String::new()),
    };
    let (a, b) = (trial("f/http/a"), trial("g/http/b"));
    let pass = Outcome::Pass;
    let deviated = Outcome::Deviation {
        reason: "no 404 page".into(),
        detail: "status".into(),
    };
    let shown = Matrix::new(&[], &[(&a, &deviated), (&b, &pass)]);
    assert!(!shown.rows.contains_key("tag:not-found-page"));
    assert!(!shown.failed());
    let stale = Matrix::new(&[], &[(&a, &pass), (&b, &pass)]);
    let cell = &stale.rows["tag:not-found-page"]["mw"];
    assert_eq!(cell.status, Status::StaleDeviation);
    assert!(
        cell.reason
            .as_deref()
            .unwrap()
            .contains("but all 2 checks with the tag passed"),
        "{cell:?}"
    );
    assert!(stale.failed());
}

#[test]
fn a_failure_is_annotated_on_the_case_line_that_asked_for_it() {
    let root = crate::paths::project_root();
    let file = root.join("fixtures/server-app/case.toml");
    let text = "[build]\n\n[[request]]\nname = \"a, b: c\"\n";
    let at = Located::at(
        &file,
        text,
        text.find("[[request]]").unwrap(),
        "request `a, b: c`",
    );
    let trial = |adapter: &str| crate::suite::Trial {
        name: format!("astro7/{adapter}/server-app/http/a-b-c"),
        adapter: crate::suite::AdapterColumn::Profile(adapter.into()),
        row: "astro7/server-app/http/a-b-c".into(),
        skipped: None,
        deviation: None,
        asked_at: Some(at.clone()),
        work: crate::suite::Work::BadCase(String::new()),
    };
    let (broken, fine) = (trial("mutant"), trial("node"));
    let failed = Outcome::Fail("GET /a:\n  status: expected 200, got 500 100%".into());
    let mut m = Matrix::new(&[], &[(&broken, &failed), (&fine, &Outcome::Pass)]);
    m.adapters.push(Column {
        name: "mutant".into(),
        description: "breaks it".into(),
        runner: ServedBy::Ours,
    });
    let cell = &m.rows["astro7/server-app/http/a-b-c"]["mutant"];
    let source = cell.source.as_ref().unwrap();
    assert_eq!(
        (source.file.as_str(), source.line, source.column),
        ("fixtures/server-app/case.toml", 3, 1)
    );
    assert_eq!(m.rows["astro7/server-app/http/a-b-c"]["node"].source, None);
    let cwd = std::env::current_dir().unwrap();
    let shown = crate::paths::relative_to(&file, &cwd).display().to_string();
    assert_eq!(
        m.annotations(),
        [format!(
            "::error file={shown},line=3,col=1,title=mutant · astro7/server-app/http/a-b-c (request `a%2C b%3A c`)::GET /a: status: expected 200, got 500 100%25"
        )]
    );
    assert!(
        m.junit()
            .contains(" file=\"fixtures/server-app/case.toml\" line=\"3\"")
    );
}
