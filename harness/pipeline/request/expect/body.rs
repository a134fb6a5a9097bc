//! The body expectations: text, HTML selectors, islands, scripts, JSON pointers.

use crate::pipeline::request::http::Exchange;

use super::*;
use crate::pipeline::discover::expect::HtmlExpect;

pub(super) fn check_body(expect: &Expect, ex: &Exchange, f: &mut Vec<Mismatch>) {
    let text = ex.text();
    if let Some(part) = &expect.body_contains
        && !text.contains(part.as_str())
    {
        let expected = format!("to contain {part:?}");
        f.push(Mismatch::new(
            "body_contains",
            "body",
            expected,
            excerpt(&text),
        ));
    }
    if let Some(prefix) = &expect.body_starts_with
        && !text.starts_with(prefix.as_str())
    {
        let expected = format!("to start with {prefix:?}");
        f.push(Mismatch::new(
            "body_starts_with",
            "body",
            expected,
            excerpt(&text),
        ));
    }
    if !expect.html.is_empty() || expect.islands.is_some() || expect.no_scripts.is_some() {
        check_html(expect, &scraper::Html::parse_document(&text), f);
    }
    if !expect.json.is_empty() {
        check_json(expect, &text, f);
    }
    if let Some(part) = &expect.csp_contains {
        super::csp::check_csp(part, ex, &text, f);
    }
}

/// The `html` selectors, the island count and "no scripts".
fn check_html(expect: &Expect, doc: &scraper::Html, f: &mut Vec<Mismatch>) {
    for h in &expect.html {
        check_selector(h, doc, f);
    }
    let count = |css: &str| {
        doc.select(&scraper::Selector::parse(css).expect("static selector"))
            .count()
    };
    if let Some(n) = expect.islands
        && count("astro-island") != n
    {
        let expected = format!("{n} <astro-island>");
        f.push(Mismatch::new(
            "islands",
            "html",
            expected,
            count("astro-island").to_string(),
        ));
    }
    if expect.no_scripts == Some(true) && count("script") > 0 {
        f.push(Mismatch::new(
            "no_scripts",
            "html",
            "no <script>",
            count("script").to_string(),
        ));
    }
}

/// One `html` expectation: the match count, then the first match's text and attribute.
fn check_selector(h: &HtmlExpect, doc: &scraper::Html, f: &mut Vec<Mismatch>) {
    let Ok(selector) = scraper::Selector::parse(&h.select) else {
        let mismatch = Mismatch::new("html.select", "html", "a valid CSS selector", &h.select);
        f.push(mismatch.worded(format!("html: `{}` is not a valid CSS selector", h.select)));
        return;
    };
    let found: Vec<scraper::ElementRef> = doc.select(&selector).collect();
    if let Some(n) = h.count
        && found.len() != n
    {
        let label = format!("html {}", h.select);
        let expected = format!("{n} matches");
        f.push(Mismatch::new(
            "html.count",
            &label,
            expected,
            found.len().to_string(),
        ));
    }
    let first_text = found
        .first()
        .map(|e| e.text().collect::<String>().trim().to_string());
    if let Some(t) = &h.text
        && first_text.as_deref() != Some(t.as_str())
    {
        let label = format!("html {}", h.select);
        let expected = format!("text {t:?}");
        f.push(Mismatch::new(
            "html.text",
            &label,
            expected,
            describe(&first_text),
        ));
    }
    if let Some(t) = &h.contains
        && !first_text
            .as_deref()
            .is_some_and(|x| x.contains(t.as_str()))
    {
        let label = format!("html {}", h.select);
        let expected = format!("text containing {t:?}");
        f.push(Mismatch::new(
            "html.contains",
            &label,
            expected,
            describe(&first_text),
        ));
    }
    if let Some(attr) = &h.attr {
        let got = found
            .first()
            .and_then(|e| e.value().attr(attr))
            .map(str::to_string);
        if got.as_deref() != h.equals.as_deref() {
            let label = format!("html {}[{attr}]", h.select);
            let (expected, actual) = (describe(&h.equals), describe(&got));
            f.push(Mismatch::new("html.equals", &label, expected, actual));
        }
    }
}

/// The `json` pointers of a body that must parse as JSON.
fn check_json(expect: &Expect, text: &str, f: &mut Vec<Mismatch>) {
    let doc = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(doc) => doc,
        Err(e) => {
            let mismatch = Mismatch::new("json", "json", "a JSON body", excerpt(text));
            f.push(mismatch.worded(format!(
                "json: the body is not JSON ({e}): {}",
                excerpt(text)
            )));
            return;
        }
    };
    for (pointer, want) in &expect.json {
        let want = serde_json::to_value(want).unwrap_or_default();
        match doc.pointer(pointer) {
            Some(got) if *got == want => {}
            got => f.push(Mismatch::new(
                format!("json.{pointer}"),
                &format!("json {pointer}"),
                want.to_string(),
                got.map_or("nothing".into(), |g| g.to_string()),
            )),
        }
    }
}
