//! The lints (AC001–AC007): what in a project makes Astro's decision silently differ
//! from what its author probably meant.

use std::fmt;

use serde::Serialize;

use crate::astro::Mode;

use super::read::*;

/// How bad a lint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Warning,
    Error,
}

/// A finding with a stable code, a place and a one-line fix.
#[derive(Debug, Clone, Serialize)]
pub struct Lint {
    pub code: &'static str,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(
            f,
            "{level}[{}] {}:{}: {}\n  fix: {}",
            self.code, self.file, self.line, self.message, self.fix
        )
    }
}

/// Lints one route; `needs_adapter`: an on-demand route here fails the build.
pub(super) fn lint_route(file: &RouteFile, mode: Mode, needs_adapter: bool, lints: &mut Vec<Lint>) {
    let mut push = |code, severity, line, message: String, fix: &str| {
        lints.push(Lint {
            code,
            severity,
            file: file.source.clone(),
            line,
            message,
            fix: fix.to_string(),
        })
    };
    match mode {
        Mode::OnDemand => {
            if let Some(line) = file.get_static_paths {
                push(
                    "AC002",
                    Severity::Warning,
                    line,
                    "`getStaticPaths` on an on-demand route is ignored".into(),
                    "remove `getStaticPaths`, or prerender the route with `export const prerender = true;`",
                );
            }
            if needs_adapter {
                let line = match file.flag {
                    Flag::Literal { line, .. } => line,
                    _ => 1,
                };
                push(
                    "AC004",
                    Severity::Error,
                    line,
                    "an on-demand route without an adapter: the build fails with NoAdapterInstalled".into(),
                    "add an adapter (e.g. `npx astro add node`) or prerender the route",
                );
            }
        }
        Mode::Prerendered => {
            for (api, line) in &file.request_apis {
                push(
                    "AC003",
                    Severity::Warning,
                    *line,
                    format!(
                        "`{api}` in a prerendered route runs once, at build time, not per request"
                    ),
                    "render the route on demand with `export const prerender = false;`, or drop the request API",
                );
            }
            if file.is_dynamic() && file.get_static_paths.is_none() && file.kind == Kind::Page {
                push(
                    "AC007",
                    Severity::Error,
                    1,
                    "a prerendered dynamic route without `getStaticPaths`: the build fails with GetStaticPathsRequired".into(),
                    "export `getStaticPaths`, or render the route on demand with `export const prerender = false;`",
                );
            }
        }
    }
}
