//! The ▶/λ classification of a build: Astro's own per-route decision (from the probe
//! integration), rendered as a listing and cross-checked against the build log and the
//! files on disk.

pub mod buildlog;
pub mod redact;
pub mod tree;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::astro::{Mode, Origin, Output, RouteType};
use crate::pipeline::build::{ProbeReport, ProbeRoute};

/// One route of the classification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    /// The source file (`src/pages/...`), or a description for routes without one.
    pub source: String,
    /// URL pattern.
    pub pattern: String,
    /// Page, endpoint, redirect or fallback.
    pub kind: RouteType,
    /// Project, internal or external.
    pub origin: Origin,
    /// ▶ or λ.
    pub mode: Mode,
    /// Files written for this route, relative to the client dir.
    pub files: Vec<String>,
}

impl Route {
    /// Routes the listing hides unless asked: injected ones and config redirects.
    pub fn is_hidden_by_default(&self) -> bool {
        self.origin != Origin::Project
            || matches!(self.kind, RouteType::Redirect | RouteType::Fallback)
    }
}

/// Astro's decision for every route of one build.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Classification {
    /// `static` or `server`.
    pub output: Option<Output>,
    /// The adapter integration's name.
    pub adapter: Option<String>,
    /// The client output dir, relative to the project root (when the build finished).
    pub client_dir: Option<String>,
    /// Routes sorted by source, then pattern.
    pub routes: Vec<Route>,
}

impl Classification {
    /// Builds the classification from a probe report; `None` when the report has no routes.
    pub fn from_probe(report: &ProbeReport) -> Option<Self> {
        let empty = BTreeMap::new();
        let files = report.build.as_ref().map_or(&empty, |b| &b.files);
        let mut routes: Vec<Route> = report
            .routes
            .as_ref()?
            .iter()
            .map(|r| Route {
                source: route_source(r),
                pattern: r.pattern.clone(),
                kind: r.kind,
                origin: r.origin,
                mode: if r.is_prerendered {
                    Mode::Prerendered
                } else {
                    Mode::OnDemand
                },
                files: {
                    let mut f = files.get(&r.pattern).cloned().unwrap_or_default();
                    f.sort();
                    f
                },
            })
            .collect();
        routes.sort_by(|a, b| (&a.source, &a.pattern).cmp(&(&b.source, &b.pattern)));
        Some(Self {
            output: report.output,
            adapter: report.adapter.clone(),
            client_dir: report.build.as_ref().map(|b| b.dir.clone()),
            routes,
        })
    }

    /// The ▶/λ listing; with `all`, injected routes and redirects too, marked as such.
    pub fn listing(&self, all: bool) -> String {
        let mut out = String::new();
        for route in self
            .routes
            .iter()
            .filter(|r| all || !r.is_hidden_by_default())
        {
            out.push_str(&format!("{} {}", route.mode, route.source));
            if route.is_hidden_by_default() {
                out.push_str(&format!(
                    "  [{} {}: {}]",
                    route.origin, route.kind, route.pattern
                ));
            }
            out.push('\n');
            for (i, file) in route.files.iter().enumerate() {
                let branch = if i + 1 == route.files.len() {
                    "└─"
                } else {
                    "├─"
                };
                out.push_str(&format!("  {branch} {file}\n"));
            }
        }
        out
    }

    /// The route with this source file.
    pub fn route(&self, source: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.source == source)
    }
}

/// One route of a listing read back by [`parse_listing`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRoute {
    pub mode: Mode,
    pub source: String,
    /// `origin kind: pattern` of a route the listing hides by default.
    pub marker: Option<String>,
    pub files: Vec<String>,
}

/// A line of a listing that is neither a route nor one of its files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct ListingError {
    /// 1-based.
    pub line: usize,
    pub message: String,
}

/// Reads a listing written by [`Classification::listing`] (e.g. a snapshot).
pub fn parse_listing(text: &str) -> Result<Vec<ListedRoute>, ListingError> {
    let mut routes: Vec<ListedRoute> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let file = line
            .strip_prefix("  ├─ ")
            .or_else(|| line.strip_prefix("  └─ "));
        if let Some(file) = file {
            let route = routes.last_mut().ok_or_else(|| ListingError {
                line: n + 1,
                message: "a file before any route".into(),
            })?;
            route.files.push(file.to_string());
            continue;
        }
        let (mode, rest) = if let Some(rest) = line.strip_prefix("▶ ") {
            (Mode::Prerendered, rest)
        } else if let Some(rest) = line.strip_prefix("λ ") {
            (Mode::OnDemand, rest)
        } else {
            return Err(ListingError {
                line: n + 1,
                message: format!("expected `▶ `, `λ ` or a file: {line:?}"),
            });
        };
        let (source, marker) = match rest.strip_suffix(']').and_then(|r| r.rsplit_once("  [")) {
            Some((source, marker)) => (source, Some(marker.to_string())),
            None => (rest, None),
        };
        routes.push(ListedRoute {
            mode,
            source: source.to_string(),
            marker,
            files: Vec::new(),
        });
    }
    Ok(routes)
}

/// The source shown for a route: its file, with paths into node_modules shortened; a
/// config redirect (whose entrypoint is its own pattern) as `(redirect /from → /to)`.
fn route_source(r: &ProbeRoute) -> String {
    if r.kind == RouteType::Redirect || r.entrypoint.is_none() {
        return match &r.redirect {
            Some(serde_json::Value::String(to)) => format!("(redirect {} → {to})", r.pattern),
            Some(v) => format!(
                "(redirect {} → {})",
                r.pattern,
                v.get("destination").and_then(|d| d.as_str()).unwrap_or("?")
            ),
            None => format!("({} {})", r.kind, r.pattern),
        };
    }
    let entry = r.entrypoint.clone().unwrap_or_default();
    match entry.find("node_modules/") {
        Some(at) => entry[at..].to_string(),
        None => entry,
    }
}

mod cross_check;

pub use cross_check::Disagreement;
pub(crate) use cross_check::cross_check;

mod verified;
pub use verified::{ClassifyError, classify};

#[cfg(test)]
mod tests;
