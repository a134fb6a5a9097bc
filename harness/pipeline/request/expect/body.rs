//! The body expectations: text, HTML selectors, islands, scripts, JSON pointers.

use crate::pipeline::request::http::Exchange;

use super::*;

pub(super) fn check_body(expect: &Expect, ex: &Exchange, f: &mut Vec<String>) {
    let text = ex.text();
    if let Some(part) = &expect.body_contains
        && !text.contains(part.as_str())
    {
        f.push(format!(
            "body: expected to contain {part:?}, got {}",
            excerpt(&text)
        ));
    }
    if let Some(prefix) = &expect.body_starts_with
        && !text.starts_with(prefix.as_str())
    {
        f.push(format!(
            "body: expected to start with {prefix:?}, got {}",
            excerpt(&text)
        ));
    }
    if !expect.html.is_empty() || expect.islands.is_some() || expect.no_scripts.is_some() {
        check_html(expect, &scraper::Html::parse_document(&text), f);
    }
    if !expect.json.is_empty() {
        check_json(expect, &text, f);
    }
}

/// The `html` selectors, the island count and "no scripts".
fn check_html(expect: &Expect, doc: &scraper::Html, f: &mut Vec<String>) {
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
        f.push(format!(
            "html: expected {n} <astro-island>, got {}",
            count("astro-island")
        ));
    }
    if expect.no_scripts == Some(true) && count("script") > 0 {
        f.push(format!(
            "html: expected no <script>, got {}",
            count("script")
        ));
    }
}

/// One `html` expectation: the match count, then the first match's text and attribute.
fn check_selector(h: &HtmlExpect, doc: &scraper::Html, f: &mut Vec<String>) {
    let Ok(selector) = scraper::Selector::parse(&h.select) else {
        f.push(format!("html: `{}` is not a valid CSS selector", h.select));
        return;
    };
    let found: Vec<scraper::ElementRef> = doc.select(&selector).collect();
    if let Some(n) = h.count
        && found.len() != n
    {
        f.push(format!(
            "html {}: expected {n} matches, got {}",
            h.select,
            found.len()
        ));
    }
    let first_text = found
        .first()
        .map(|e| e.text().collect::<String>().trim().to_string());
    if let Some(t) = &h.text
        && first_text.as_deref() != Some(t.as_str())
    {
        f.push(format!(
            "html {}: expected text {t:?}, got {}",
            h.select,
            describe(&first_text)
        ));
    }
    if let Some(t) = &h.contains
        && !first_text
            .as_deref()
            .is_some_and(|x| x.contains(t.as_str()))
    {
        f.push(format!(
            "html {}: expected text containing {t:?}, got {}",
            h.select,
            describe(&first_text)
        ));
    }
    if let Some(attr) = &h.attr {
        let got = found
            .first()
            .and_then(|e| e.value().attr(attr))
            .map(str::to_string);
        if got.as_deref() != h.equals.as_deref() {
            f.push(format!(
                "html {}[{attr}]: expected {}, got {}",
                h.select,
                describe(&h.equals),
                describe(&got)
            ));
        }
    }
}

/// The `json` pointers of a body that must parse as JSON.
fn check_json(expect: &Expect, text: &str, f: &mut Vec<String>) {
    let doc = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(doc) => doc,
        Err(e) => {
            f.push(format!(
                "json: the body is not JSON ({e}): {}",
                excerpt(text)
            ));
            return;
        }
    };
    for (pointer, want) in &expect.json {
        let want = serde_json::to_value(want).unwrap_or_default();
        match doc.pointer(pointer) {
            Some(got) if *got == want => {}
            got => f.push(format!(
                "json {pointer}: expected {want}, got {}",
                got.map_or("nothing".into(), |g| g.to_string())
            )),
        }
    }
}
