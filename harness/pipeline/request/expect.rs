//! Request cases (`[[request]]` in case.toml) and the assertions on their responses.
//!
//! Every assertion that fails adds one line saying what was expected and what came back;
//! all failures of a request are collected, not just the first.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::pipeline::request::http::{Body, Exchange, Request};

/// One `[[request]]` of a case.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestCase {
    /// Names the trial: `stack/adapter/fixture/http/<name>`.
    pub name: String,
    /// HTTP method (default `GET`).
    #[serde(default = "get")]
    pub method: String,
    /// Path and query.
    pub path: Option<String>,
    /// Instead of `path`: take the path from an element of another page, e.g. the URL a
    /// prerendered page fetches its server island from.
    pub path_from: Option<PathFrom>,
    /// Header lines to send.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Cookies to send.
    #[serde(default)]
    pub cookies: BTreeMap<String, String>,
    /// Form fields to send as the body.
    #[serde(default)]
    pub form: Option<BTreeMap<String, String>>,
    /// A JSON body.
    #[serde(default)]
    pub json: Option<toml::Value>,
    /// A raw body.
    #[serde(default)]
    pub body: Option<String>,
    /// Stacks this request does not run on, each with the reason (a legitimate difference
    /// between Astro lines).
    #[serde(default)]
    pub skip: BTreeMap<String, String>,
    /// What the response must show.
    #[serde(default)]
    pub expect: Expect,
}

fn get() -> String {
    "GET".into()
}

/// A path read from an attribute of an element of another page.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathFrom {
    /// The page to fetch first (a plain GET).
    pub page: String,
    /// CSS selector of the element.
    pub select: String,
    /// The attribute that holds the path, e.g. `href`.
    pub attr: String,
}

impl PathFrom {
    /// The path in `html`: the attribute of the first element that matches.
    pub fn find(&self, html: &str) -> Result<String, String> {
        let selector = scraper::Selector::parse(&self.select)
            .map_err(|e| format!("path_from: bad selector {:?}: {e}", self.select))?;
        let doc = scraper::Html::parse_document(html);
        let element = doc.select(&selector).next().ok_or_else(|| {
            format!(
                "path_from: no element of {} matches {:?}",
                self.page, self.select
            )
        })?;
        element
            .value()
            .attr(&self.attr)
            .map(str::to_string)
            .ok_or_else(|| {
                format!(
                    "path_from: the element {:?} of {} has no attribute {:?}",
                    self.select, self.page, self.attr
                )
            })
    }
}

impl RequestCase {
    /// Refuses a request with neither or both of `path` and `path_from`.
    pub fn validate(&self) -> Result<(), String> {
        match (&self.path, &self.path_from) {
            (Some(_), None) | (None, Some(_)) => Ok(()),
            (None, None) => Err(format!(
                "request `{}` needs `path` or `path_from`",
                self.name
            )),
            (Some(_), Some(_)) => Err(format!(
                "request `{}` has both `path` and `path_from`; keep one",
                self.name
            )),
        }
    }

    /// The request to send to `path`; `{base}` in a header value becomes the server's
    /// base URL (e.g. for a same-origin `Origin` header).
    pub fn request(&self, base: &str, path: &str) -> Request {
        let body = if let Some(form) = &self.form {
            Some(Body::Form(
                form.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            ))
        } else if let Some(json) = &self.json {
            Some(Body::Json(serde_json::to_value(json).unwrap_or_default()))
        } else {
            self.body.clone().map(Body::Raw)
        };
        Request {
            method: self.method.to_ascii_uppercase(),
            path: path.to_string(),
            headers: self
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.replace("{base}", base)))
                .collect(),
            cookies: self
                .cookies
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            body,
        }
    }

    /// The trial-name segment for this request: lower-case words joined by `-`.
    pub fn slug(&self) -> String {
        let mut out = String::new();
        for ch in self.name.chars() {
            if ch.is_alphanumeric() {
                out.extend(ch.to_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        out.trim_end_matches('-').to_string()
    }
}

/// The `expect` table of a request.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// Status code.
    pub status: Option<u16>,
    /// Reason phrase, e.g. `Not Found`.
    pub reason: Option<String>,
    /// `Location` header, exactly.
    pub location: Option<String>,
    /// Headers that must equal these values (names case-insensitive).
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Headers that must contain these substrings.
    #[serde(default)]
    pub header_contains: BTreeMap<String, String>,
    /// Headers that must be absent.
    #[serde(default)]
    pub headers_absent: Vec<String>,
    /// Number of `Set-Cookie` lines.
    pub cookie_count: Option<usize>,
    /// Cookies that must be set, each on its own `Set-Cookie` line.
    #[serde(default)]
    pub cookies: Vec<CookieExpect>,
    /// HTML assertions by CSS selector.
    #[serde(default)]
    pub html: Vec<HtmlExpect>,
    /// Number of `<astro-island>` elements.
    pub islands: Option<usize>,
    /// No `<script>` element at all.
    pub no_scripts: Option<bool>,
    /// The body contains this text.
    pub body_contains: Option<String>,
    /// JSON pointer → expected value.
    #[serde(default)]
    pub json: BTreeMap<String, toml::Value>,
    /// Streaming: `before` arrives in an earlier chunk than `then`.
    pub stream: Option<StreamExpect>,
    /// On demand: a second identical request gets a different body (per-request content).
    pub varies: Option<bool>,
    /// Prerendered: the body equals this file of the client output dir, byte for byte,
    /// on two requests.
    pub built_file: Option<String>,
    /// `false`: the body must end abnormally (e.g. an error after streaming started must
    /// not look like a finished page). By default every body must be complete.
    pub complete: Option<bool>,
}

/// One expected cookie.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CookieExpect {
    pub name: String,
    pub value: Option<String>,
    pub path: Option<String>,
    pub domain: Option<String>,
    pub http_only: Option<bool>,
    pub secure: Option<bool>,
    /// `Strict`, `Lax` or `None`.
    pub same_site: Option<String>,
    /// Max-Age in seconds.
    pub max_age: Option<i64>,
    /// The cookie is a deletion (expired or Max-Age=0).
    pub deleted: Option<bool>,
}

/// One HTML assertion.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HtmlExpect {
    /// CSS selector.
    pub select: String,
    /// Text of the first match equals this (whitespace trimmed).
    pub text: Option<String>,
    /// Text of the first match contains this.
    pub contains: Option<String>,
    /// Number of matches.
    pub count: Option<usize>,
    /// Attribute of the first match (with `equals`).
    pub attr: Option<String>,
    pub equals: Option<String>,
}

/// The streaming assertion.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamExpect {
    /// Arrives first.
    pub before: String,
    /// Arrives in a later chunk.
    pub then: String,
    /// The page's declared delay: the chunk with `before` must arrive sooner.
    pub delay_ms: Option<u64>,
}

/// Checks `ex` against `expect`; returns one line per failed assertion.
pub fn check(expect: &Expect, ex: &Exchange) -> Vec<String> {
    let mut f = Vec::new();
    if let Some(status) = expect.status
        && ex.status != status
    {
        f.push(format!(
            "status: expected {status}, got {} {}",
            ex.status, ex.reason
        ));
    }
    if let Some(reason) = &expect.reason
        && &ex.reason != reason
    {
        f.push(format!(
            "reason: expected \"{} {reason}\", got \"{} {}\"",
            ex.status, ex.status, ex.reason
        ));
    }
    if let Some(location) = &expect.location {
        let got: Vec<&str> = ex.header_values("location").collect();
        if got != [location.as_str()] {
            f.push(format!(
                "location: expected {location}, got {}",
                shown(&got)
            ));
        }
    }
    for (name, value) in &expect.headers {
        let got: Vec<&str> = ex.header_values(name).collect();
        if got != [value.as_str()] {
            f.push(format!(
                "header {name}: expected {value:?}, got {}",
                shown(&got)
            ));
        }
    }
    for (name, part) in &expect.header_contains {
        let got: Vec<&str> = ex.header_values(name).collect();
        if !got.iter().any(|v| v.contains(part.as_str())) {
            f.push(format!(
                "header {name}: expected to contain {part:?}, got {}",
                shown(&got)
            ));
        }
    }
    for name in &expect.headers_absent {
        let got: Vec<&str> = ex.header_values(name).collect();
        if !got.is_empty() {
            f.push(format!(
                "header {name}: expected absent, got {}",
                shown(&got)
            ));
        }
    }
    check_cookies(expect, ex, &mut f);
    check_body(expect, ex, &mut f);
    if expect.complete == Some(false) {
        if ex.complete {
            f.push(
                "body: expected an aborted response (the server should not end it cleanly), but it ended cleanly".into(),
            );
        }
    } else if let Some(stream) = &expect.stream {
        check_stream(stream, ex, &mut f);
    } else if !ex.complete {
        f.push(format!(
            "body: incomplete: {}",
            ex.body_error.as_deref().unwrap_or("?")
        ));
    }
    f
}

fn shown(values: &[&str]) -> String {
    match values {
        [] => "no such header".into(),
        [one] => format!("{one:?}"),
        many => format!("{} lines: {many:?}", many.len()),
    }
}

fn check_cookies(expect: &Expect, ex: &Exchange, f: &mut Vec<String>) {
    let lines: Vec<&str> = ex.header_values("set-cookie").collect();
    if let Some(n) = expect.cookie_count
        && lines.len() != n
    {
        f.push(format!(
            "cookies: expected {n} Set-Cookie lines, got {}: {lines:?}",
            lines.len()
        ));
    }
    let parsed: Vec<cookie::Cookie> = lines
        .iter()
        .filter_map(|l| cookie::Cookie::parse(l.to_string()).ok())
        .collect();
    for want in &expect.cookies {
        let Some(c) = parsed.iter().find(|c| c.name() == want.name) else {
            f.push(format!(
                "cookie {}: expected a Set-Cookie line for it, got {lines:?}",
                want.name
            ));
            continue;
        };
        let mut diff = Vec::new();
        let mut compare = |what: &str, expected: Option<String>, got: Option<String>| {
            if let Some(expected) = expected
                && Some(&expected) != got.as_ref()
            {
                diff.push(format!(
                    "{what} expected {expected:?}, got {}",
                    got.map_or("none".into(), |g| format!("{g:?}"))
                ));
            }
        };
        compare("value", want.value.clone(), Some(c.value().to_string()));
        compare("Path", want.path.clone(), c.path().map(str::to_string));
        compare(
            "Domain",
            want.domain.clone(),
            c.domain().map(str::to_string),
        );
        compare(
            "HttpOnly",
            want.http_only.map(|b| b.to_string()),
            Some(c.http_only().unwrap_or(false).to_string()),
        );
        compare(
            "Secure",
            want.secure.map(|b| b.to_string()),
            Some(c.secure().unwrap_or(false).to_string()),
        );
        compare(
            "SameSite",
            want.same_site.clone(),
            c.same_site().map(|s| s.to_string()),
        );
        compare(
            "Max-Age",
            want.max_age.map(|m| m.to_string()),
            c.max_age().map(|m| m.whole_seconds().to_string()),
        );
        let deleted = c.max_age().is_some_and(|m| m.whole_seconds() <= 0)
            || c.expires_datetime()
                .is_some_and(|e| e < cookie::time::OffsetDateTime::now_utc());
        compare(
            "deleted",
            want.deleted.map(|b| b.to_string()),
            Some(deleted.to_string()),
        );
        if !diff.is_empty() {
            f.push(format!(
                "cookie {}: {} (line: {:?})",
                want.name,
                diff.join("; "),
                c.to_string()
            ));
        }
    }
}

fn check_body(expect: &Expect, ex: &Exchange, f: &mut Vec<String>) {
    let text = ex.text();
    if let Some(part) = &expect.body_contains
        && !text.contains(part.as_str())
    {
        f.push(format!(
            "body: expected to contain {part:?}, got {}",
            excerpt(&text)
        ));
    }
    if !expect.html.is_empty() || expect.islands.is_some() || expect.no_scripts.is_some() {
        let doc = scraper::Html::parse_document(&text);
        for h in &expect.html {
            let Ok(selector) = scraper::Selector::parse(&h.select) else {
                f.push(format!("html: `{}` is not a valid CSS selector", h.select));
                continue;
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
    if !expect.json.is_empty() {
        match serde_json::from_str::<serde_json::Value>(&text) {
            Err(e) => f.push(format!(
                "json: the body is not JSON ({e}): {}",
                excerpt(&text)
            )),
            Ok(doc) => {
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
        }
    }
}

fn check_stream(s: &StreamExpect, ex: &Exchange, f: &mut Vec<String>) {
    if !ex.complete {
        f.push(format!(
            "stream: incomplete: {}",
            ex.body_error.as_deref().unwrap_or("?")
        ));
    }
    let (Some(a), Some(b)) = (ex.chunk_containing(&s.before), ex.chunk_containing(&s.then)) else {
        f.push(format!(
            "stream: expected {:?} then {:?} in the body, got {}",
            s.before,
            s.then,
            excerpt(&ex.text())
        ));
        return;
    };
    if a >= b {
        f.push(format!(
            "stream: expected {:?} in an earlier chunk than {:?}; both arrived in chunk {b} of {} (the response was buffered)",
            s.before,
            s.then,
            ex.chunks.len()
        ));
    }
    if let Some(delay) = s.delay_ms {
        let at = ex.chunks[a].at;
        if at >= std::time::Duration::from_millis(delay) {
            f.push(format!(
                "stream: {:?} arrived only after the page's declared delay of {delay} ms had passed",
                s.before
            ));
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

#[cfg(test)]
mod tests;
