//! What differs between the two sides of an upgrade: the ▶/λ listing, the responses to the
//! same requests, and the outcomes of the site's checks.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::astro::Mode;
use crate::pipeline::classify::Classification;
use crate::pipeline::request::http::Exchange;

/// One route whose listing differs: added, removed, mode changed, or files changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteChange {
    /// The page or endpoint; for a route Astro injects or a config redirect, its
    /// origin, kind and pattern (its entry file moves between versions).
    pub source: String,
    /// Injected by Astro or an integration, or a config redirect: listed, never a failure.
    pub internal: bool,
    /// `None`: the route is not there on that side.
    pub from: Option<Mode>,
    pub to: Option<Mode>,
    pub files_added: Vec<String>,
    pub files_removed: Vec<String>,
}

impl RouteChange {
    /// True when the route exists on both sides with different modes (or on one only).
    pub fn mode_changed(&self) -> bool {
        self.from != self.to
    }
}

/// The listing diff: every route that differs, by source.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ListingDiff {
    pub routes: Vec<RouteChange>,
}

impl ListingDiff {
    /// Compares every route: the project's own by source, the others by what they are.
    pub fn between(from: &Classification, to: &Classification) -> Self {
        let side = |c: &Classification| -> BTreeMap<String, (Mode, BTreeSet<String>)> {
            c.routes
                .iter()
                .map(|r| {
                    let key = match r.is_hidden_by_default() {
                        true => format!("({} {}: {})", r.origin, r.kind, r.pattern),
                        false => r.source.clone(),
                    };
                    (key, (r.mode, r.files.iter().cloned().collect()))
                })
                .collect()
        };
        let (a, b) = (side(from), side(to));
        let sources: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        let empty = BTreeSet::new();
        fn files<'a>(
            side: Option<&'a (Mode, BTreeSet<String>)>,
            empty: &'a BTreeSet<String>,
        ) -> &'a BTreeSet<String> {
            side.map_or(empty, |(_, f)| f)
        }
        let routes = sources
            .into_iter()
            .filter_map(|source| {
                let (fa, fb) = (a.get(source), b.get(source));
                let change = RouteChange {
                    internal: source.starts_with('('),
                    source: source.clone(),
                    from: fa.map(|(m, _)| *m),
                    to: fb.map(|(m, _)| *m),
                    files_added: files(fb, &empty)
                        .difference(files(fa, &empty))
                        .cloned()
                        .collect(),
                    files_removed: files(fa, &empty)
                        .difference(files(fb, &empty))
                        .cloned()
                        .collect(),
                };
                let same = !change.mode_changed()
                    && change.files_added.is_empty()
                    && change.files_removed.is_empty();
                (!same).then_some(change)
            })
            .collect();
        Self { routes }
    }

    /// The site's own routes whose mode changed (or that appeared or went away).
    pub fn mode_changes(&self) -> impl Iterator<Item = &RouteChange> {
        self.routes
            .iter()
            .filter(|r| r.mode_changed() && !r.internal)
    }
}

/// Headers whose values change from one response to the next, or that only frame the body.
const VOLATILE_HEADERS: [&str; 9] = [
    "date",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "content-length",
    "etag",
    "last-modified",
    "age",
    "set-cookie",
];

/// What a case can assert of a response, without what changes on every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseShape {
    pub status: u16,
    /// Header name → values joined by `, `.
    pub headers: BTreeMap<String, String>,
    /// The names of the cookies set.
    pub cookies: BTreeSet<String>,
    /// JSON: its key paths; HTML: its `<title>` and `<h1>` texts; otherwise empty.
    pub body: String,
}

impl ResponseShape {
    /// The shape of `exchange`.
    pub fn of(exchange: &Exchange) -> Self {
        let mut headers: BTreeMap<String, String> = BTreeMap::new();
        for (name, value) in &exchange.headers {
            if VOLATILE_HEADERS.contains(&name.as_str()) {
                continue;
            }
            headers
                .entry(name.clone())
                .and_modify(|v| {
                    v.push_str(", ");
                    v.push_str(value);
                })
                .or_insert_with(|| value.clone());
        }
        let cookies = exchange
            .header_values("set-cookie")
            .filter_map(|c| Some(c.split_once('=')?.0.trim().to_string()))
            .collect();
        let kind = headers.get("content-type").cloned().unwrap_or_default();
        let mut body = body_shape(&kind, &exchange.text());
        if !exchange.complete {
            let why = exchange.body_error.as_deref().unwrap_or("incomplete");
            body = format!("broke off ({why}) after {body}");
        }
        Self {
            status: exchange.status,
            headers,
            cookies,
            body,
        }
    }
}

fn body_shape(content_type: &str, text: &str) -> String {
    if content_type.contains("json") {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else {
            return "invalid JSON".into();
        };
        let mut paths = BTreeSet::new();
        json_paths(&value, "", &mut paths);
        return paths.into_iter().collect::<Vec<_>>().join(" ");
    }
    if content_type.contains("html") {
        let doc = scraper::Html::parse_document(text);
        let texts = |selector: &str| -> Vec<String> {
            let selector = scraper::Selector::parse(selector).expect("a valid selector");
            doc.select(&selector)
                .map(|e| e.text().collect::<String>().trim().to_string())
                .collect()
        };
        return format!("title {:?}, h1 {:?}", texts("title"), texts("h1"));
    }
    String::new()
}

fn json_paths(value: &serde_json::Value, at: &str, out: &mut BTreeSet<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map {
                let path = if at.is_empty() {
                    key.clone()
                } else {
                    format!("{at}.{key}")
                };
                out.insert(path.clone());
                json_paths(inner, &path, out);
            }
        }
        serde_json::Value::Array(items) => {
            for item in items {
                json_paths(item, &format!("{at}[]"), out);
            }
        }
        _ => {}
    }
}

/// A request whose responses differ, with each difference as (what, before, after).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResponseDiff {
    pub request: String,
    pub differences: Vec<(String, String, String)>,
}

impl ResponseDiff {
    /// `None` when the two shapes agree; an error on one side is a difference too.
    pub fn between(
        request: &str,
        from: &Result<ResponseShape, String>,
        to: &Result<ResponseShape, String>,
    ) -> Option<Self> {
        let mut differences = Vec::new();
        let mut differ = |what: &str, a: String, b: String| {
            if a != b {
                differences.push((what.to_string(), a, b));
            }
        };
        match (from, to) {
            (Ok(a), Ok(b)) => {
                differ("status", a.status.to_string(), b.status.to_string());
                let names: BTreeSet<&String> = a.headers.keys().chain(b.headers.keys()).collect();
                for name in names {
                    let value =
                        |s: &ResponseShape| s.headers.get(name).cloned().unwrap_or("(none)".into());
                    differ(&format!("header {name}"), value(a), value(b));
                }
                let cookies =
                    |s: &ResponseShape| s.cookies.iter().cloned().collect::<Vec<_>>().join(", ");
                differ("cookies set", cookies(a), cookies(b));
                differ("body", a.body.clone(), b.body.clone());
            }
            (a, b) => {
                let said = |r: &Result<ResponseShape, String>| match r {
                    Ok(s) => format!("answered {}", s.status),
                    Err(e) => e.clone(),
                };
                differ("exchange", said(a), said(b));
            }
        }
        (!differences.is_empty()).then(|| Self {
            request: request.to_string(),
            differences,
        })
    }
}

/// The site's checks on both sides: those that passed before and fail now, and the reverse.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChecksDiff {
    /// (check, the failure message now).
    pub now_failing: Vec<(String, String)>,
    pub now_passing: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::astro::{Origin, RouteType};
    use crate::pipeline::classify::Route;

    fn route(source: &str, mode: Mode, files: &[&str]) -> Route {
        Route {
            source: source.into(),
            pattern: "/".into(),
            kind: RouteType::Page,
            origin: Origin::Project,
            mode,
            files: files.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn the_listing_diff_names_mode_changes_files_and_routes_on_one_side() {
        let from = Classification {
            routes: vec![
                route("a.astro", Mode::Prerendered, &["/a/index.html"]),
                route("b.astro", Mode::OnDemand, &[]),
                route("same.astro", Mode::Prerendered, &["/same/index.html"]),
            ],
            ..Default::default()
        };
        let to = Classification {
            routes: vec![
                route("a.astro", Mode::OnDemand, &[]),
                route("c.astro", Mode::OnDemand, &[]),
                route("same.astro", Mode::Prerendered, &["/same/index.html"]),
            ],
            ..Default::default()
        };
        let diff = ListingDiff::between(&from, &to);
        let sources: Vec<_> = diff.routes.iter().map(|r| r.source.as_str()).collect();
        assert_eq!(sources, ["a.astro", "b.astro", "c.astro"]);
        assert_eq!(diff.routes[0].files_removed, ["/a/index.html"]);
        assert_eq!(diff.routes[1].to, None);
        assert_eq!(diff.mode_changes().count(), 3);

        // A route Astro injects is listed by what it is, and never counts as a failure.
        let mut injected = route("node_modules/astro/dist/x.js", Mode::OnDemand, &[]);
        injected.origin = Origin::Internal;
        injected.pattern = "/_image".into();
        let with_injected = Classification {
            routes: vec![injected],
            ..Default::default()
        };
        let diff = ListingDiff::between(&Classification::default(), &with_injected);
        assert_eq!(diff.routes[0].source, "(internal page: /_image)");
        assert!(diff.routes[0].internal);
        assert_eq!(diff.mode_changes().count(), 0);
    }

    #[test]
    fn shapes_differ_in_status_headers_cookies_and_body_but_not_in_dates() {
        let shape = |status, cache: &str, body: &str| ResponseShape {
            status,
            headers: BTreeMap::from([("cache-control".to_string(), cache.to_string())]),
            cookies: BTreeSet::new(),
            body: body.to_string(),
        };
        let same = ResponseDiff::between(
            "GET /",
            &Ok(shape(200, "x", "a")),
            &Ok(shape(200, "x", "a")),
        );
        assert_eq!(same, None);
        let diff = ResponseDiff::between(
            "GET /",
            &Ok(shape(200, "x", "a")),
            &Ok(shape(500, "y", "b")),
        )
        .unwrap();
        let what: Vec<_> = diff.differences.iter().map(|d| d.0.as_str()).collect();
        assert_eq!(what, ["status", "header cache-control", "body"]);
        assert_eq!(
            body_shape("application/json", r#"{"a":{"b":1},"c":[{"d":2}]}"#),
            "a a.b c c[].d"
        );
    }
}
