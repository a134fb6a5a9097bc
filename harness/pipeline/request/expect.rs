//! The `expect` table of a request case and the assertions on a response.
//!
//! Every assertion that fails adds a [`Mismatch`]: the expectation, what it asked for and
//! what came back; all failures of a request are collected, not just the first.

use crate::mismatch::Mismatch;
use crate::pipeline::discover::expect::{Expect, StreamExpect};
use crate::pipeline::request::http::Exchange;

/// Checks `ex` against `expect`; returns one mismatch per failed assertion.
pub fn check(expect: &Expect, ex: &Exchange) -> Vec<Mismatch> {
    let mut f = Vec::new();
    if let Some(status) = expect.status
        && ex.status != status
    {
        f.push(Mismatch::new(
            "status",
            "status",
            status.to_string(),
            format!("{} {}", ex.status, ex.reason),
        ));
    }
    if let Some(reason) = &expect.reason
        && &ex.reason != reason
    {
        f.push(Mismatch::new(
            "reason",
            "reason",
            format!("\"{} {reason}\"", ex.status),
            format!("\"{} {}\"", ex.status, ex.reason),
        ));
    }
    check_headers(expect, ex, &mut f);
    if let Some(bounds) = &expect.chunks {
        let n = ex.chunks.iter().filter(|c| !c.bytes.is_empty()).count();
        let (min, max) = (bounds.min.unwrap_or(0), bounds.max.unwrap_or(usize::MAX));
        if n < min || n > max {
            let want = match (bounds.min, bounds.max) {
                (Some(a), Some(b)) => format!("{a} to {b}"),
                (Some(a), None) => format!("at least {a}"),
                (None, Some(b)) => format!("at most {b}"),
                (None, None) => "any number of".into(),
            };
            let message = format!("chunks: expected the body in {want} pieces, it came in {n}");
            let mismatch =
                Mismatch::new("chunks", "chunks", format!("{want} pieces"), n.to_string());
            f.push(mismatch.worded(message));
        }
    }
    check_cookies(expect, ex, &mut f);
    check_body(expect, ex, &mut f);
    if expect.complete == Some(false) {
        if ex.complete {
            let mismatch = Mismatch::new("complete", "body", "an aborted response", "a clean end");
            f.push(mismatch.worded(
                "body: expected an aborted response (the server should not end it cleanly), but it ended cleanly".into(),
            ));
        }
    } else if let Some(stream) = &expect.stream {
        check_stream(stream, ex, &mut f);
    } else if !ex.complete {
        f.push(incomplete("complete", "body", ex));
    }
    f
}

/// A body that ended with an error where a whole one was expected.
fn incomplete(expectation: &str, label: &str, ex: &Exchange) -> Mismatch {
    let error = ex.body_error.as_deref().unwrap_or("?");
    Mismatch::new(expectation, label, "a complete body", error)
        .worded(format!("{label}: incomplete: {error}"))
}

/// `location`, exact `headers`, `header_contains` and `headers_absent`.
fn check_headers(expect: &Expect, ex: &Exchange, f: &mut Vec<Mismatch>) {
    if let Some(location) = &expect.location {
        let got: Vec<&str> = ex.header_values("location").collect();
        if got != [location.as_str()] {
            f.push(Mismatch::new("location", "location", location, shown(&got)));
        }
    }
    for (name, value) in &expect.headers {
        let got: Vec<&str> = ex.header_values(name).collect();
        if got != [value.as_str()] {
            let key = format!("headers.{name}");
            f.push(Mismatch::new(
                key,
                &format!("header {name}"),
                format!("{value:?}"),
                shown(&got),
            ));
        }
    }
    for (name, part) in &expect.header_contains {
        let got: Vec<&str> = ex.header_values(name).collect();
        if !got.iter().any(|v| v.contains(part.as_str())) {
            let key = format!("header_contains.{name}");
            let label = format!("header {name}");
            f.push(Mismatch::new(
                key,
                &label,
                format!("to contain {part:?}"),
                shown(&got),
            ));
        }
    }
    if let Some(names) = &expect.header_names {
        check_header_names(names, ex, f);
    }
    for name in &expect.headers_absent {
        let got: Vec<&str> = ex.header_values(name).collect();
        if !got.is_empty() {
            let label = format!("header {name}");
            f.push(Mismatch::new(
                "headers_absent",
                &label,
                "absent",
                shown(&got),
            ));
        }
    }
}

/// Headers `header_names` ignores: hop-by-hop ones belong to one connection, and `date` and
/// `content-length` are the server's (workerd sends no `date`; Deno and Bun add a length
/// where Node streams chunked), not what the route set.
const NOT_THE_ROUTES: &[&str] = &[
    "date",
    "content-length",
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
];

/// `header_names`: the names sent equal the expected set, [`NOT_THE_ROUTES`] aside.
fn check_header_names(expected: &[String], ex: &Exchange, f: &mut Vec<Mismatch>) {
    use std::collections::BTreeSet;
    let routes = |n: &String| !NOT_THE_ROUTES.contains(&n.as_str());
    let want: BTreeSet<String> = expected
        .iter()
        .map(|n| n.to_ascii_lowercase())
        .filter(routes)
        .collect();
    let got: BTreeSet<String> = ex
        .headers
        .iter()
        .map(|(n, _)| n.clone())
        .filter(routes)
        .collect();
    let missing: Vec<&String> = want.difference(&got).collect();
    let extra: Vec<&String> = got.difference(&want).collect();
    if !missing.is_empty() || !extra.is_empty() {
        let mismatch = Mismatch::new(
            "header_names",
            "header names",
            format!("{want:?}"),
            format!("{got:?}"),
        );
        f.push(mismatch.worded(format!(
            "header names: expected exactly {want:?}; missing {missing:?}, not expected {extra:?}"
        )));
    }
}

fn shown(values: &[&str]) -> String {
    match values {
        [] => "no such header".into(),
        [one] => format!("{one:?}"),
        many => format!("{} lines: {many:?}", many.len()),
    }
}

fn check_stream(s: &StreamExpect, ex: &Exchange, f: &mut Vec<Mismatch>) {
    if !ex.complete {
        f.push(incomplete("stream", "stream", ex));
    }
    let (Some(a), Some(b)) = (ex.chunk_containing(&s.before), ex.chunk_containing(&s.then)) else {
        let expected = format!("{:?} then {:?} in the body", s.before, s.then);
        f.push(Mismatch::new(
            "stream",
            "stream",
            expected,
            excerpt(&ex.text()),
        ));
        return;
    };
    if a >= b {
        let expected = format!("{:?} in an earlier chunk than {:?}", s.before, s.then);
        let actual = format!("both in chunk {b} of {}", ex.chunks.len());
        f.push(Mismatch::new("stream", "stream", expected, actual).worded(format!(
            "stream: expected {:?} in an earlier chunk than {:?}; both arrived in chunk {b} of {} (the response was buffered)",
            s.before,
            s.then,
            ex.chunks.len()
        )));
    }
    if let Some(delay) = s.delay_ms {
        let at = ex.chunks[a].at;
        if at >= std::time::Duration::from_millis(delay) {
            let expected = format!("{:?} within {delay} ms", s.before);
            let actual = format!("after {delay} ms or more");
            f.push(Mismatch::new("stream.delay_ms", "stream", expected, actual).worded(format!(
                "stream: {:?} arrived only after the page's declared delay of {delay} ms had passed",
                s.before
            )));
        }
    }
}

fn describe(v: &Option<String>) -> String {
    v.as_ref().map_or("no match".into(), |s| format!("{s:?}"))
}

fn excerpt(text: &str) -> String {
    let cut: String = text.chars().take(300).collect();
    if cut.len() < text.len() {
        format!("{cut:?}…")
    } else {
        format!("{cut:?}")
    }
}

mod body;
mod cookies;
mod csp;

use body::check_body;
use cookies::check_cookies;

#[cfg(test)]
mod tests;
