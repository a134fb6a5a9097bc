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

impl Severity {
    /// As written in findings and tables.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A lint, by its stable code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum LintCode {
    #[serde(rename = "AC001")]
    NonLiteralPrerender,
    #[serde(rename = "AC002")]
    StaticPathsOnDemand,
    #[serde(rename = "AC003")]
    RequestApiPrerendered,
    #[serde(rename = "AC004")]
    OnDemandWithoutAdapter,
    #[serde(rename = "AC005")]
    ServerIslandWithoutAdapter,
    #[serde(rename = "AC006")]
    NonLiteralOutput,
    #[serde(rename = "AC007")]
    DynamicWithoutStaticPaths,
}

impl LintCode {
    /// Every lint, in code order.
    pub const ALL: [LintCode; 7] = [
        LintCode::NonLiteralPrerender,
        LintCode::StaticPathsOnDemand,
        LintCode::RequestApiPrerendered,
        LintCode::OnDemandWithoutAdapter,
        LintCode::ServerIslandWithoutAdapter,
        LintCode::NonLiteralOutput,
        LintCode::DynamicWithoutStaticPaths,
    ];

    /// The stable code, e.g. `AC001`.
    pub fn code(self) -> &'static str {
        match self {
            LintCode::NonLiteralPrerender => "AC001",
            LintCode::StaticPathsOnDemand => "AC002",
            LintCode::RequestApiPrerendered => "AC003",
            LintCode::OnDemandWithoutAdapter => "AC004",
            LintCode::ServerIslandWithoutAdapter => "AC005",
            LintCode::NonLiteralOutput => "AC006",
            LintCode::DynamicWithoutStaticPaths => "AC007",
        }
    }

    /// Its level: an error is a build that fails, a warning a decision that silently
    /// differs from the source's apparent intent.
    pub fn severity(self) -> Severity {
        match self {
            LintCode::OnDemandWithoutAdapter
            | LintCode::ServerIslandWithoutAdapter
            | LintCode::DynamicWithoutStaticPaths => Severity::Error,
            _ => Severity::Warning,
        }
    }

    /// What it finds, in one line (Markdown: code in backticks).
    pub fn summary(self) -> &'static str {
        match self {
            LintCode::NonLiteralPrerender => {
                "a prerender flag that is not a literal (Astro ignores it)"
            }
            LintCode::StaticPathsOnDemand => "`getStaticPaths` on an on-demand route (ignored)",
            LintCode::RequestApiPrerendered => {
                "a request-time API (`Astro.cookies`, `Astro.request.headers`, `Astro.redirect`, `Astro.response`, ...) in a prerendered route"
            }
            LintCode::OnDemandWithoutAdapter => {
                "an on-demand route, or output server, without an adapter (`NoAdapterInstalled`)"
            }
            LintCode::ServerIslandWithoutAdapter => {
                "a server island without an adapter (`NoAdapterInstalledServerIslands`)"
            }
            LintCode::NonLiteralOutput => "an `output` setting that is not a literal",
            LintCode::DynamicWithoutStaticPaths => {
                "a prerendered dynamic page without `getStaticPaths` (`GetStaticPathsRequired`)"
            }
        }
    }

    /// The table of every lint as `explain --help` shows it: code, level, summary.
    pub fn help_table() -> String {
        LintCode::ALL
            .iter()
            .map(|c| {
                let summary = c.summary().replace('`', "");
                format!("  {} {:<8} {summary}", c.code(), c.severity().name())
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

impl fmt::Display for LintCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A finding with a stable code, a place and a one-line fix.
#[derive(Debug, Clone, Serialize)]
pub struct Lint {
    pub code: LintCode,
    pub severity: Severity,
    pub file: String,
    pub line: usize,
    pub message: String,
    pub fix: String,
}

impl fmt::Display for Lint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = self.severity.name();
        write!(
            f,
            "{level}[{}] {}:{}: {}\n  fix: {}",
            self.code, self.file, self.line, self.message, self.fix
        )
    }
}

/// Lints one route; `needs_adapter`: an on-demand route here fails the build.
pub(super) fn lint_route(file: &RouteFile, mode: Mode, needs_adapter: bool, lints: &mut Vec<Lint>) {
    let mut push = |code: LintCode, line, message: String, fix: &str| {
        lints.push(Lint {
            code,
            severity: code.severity(),
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
                    LintCode::StaticPathsOnDemand,
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
                    LintCode::OnDemandWithoutAdapter,
                    line,
                    "an on-demand route without an adapter: the build fails with NoAdapterInstalled".into(),
                    "add an adapter (e.g. `npx astro add node`) or prerender the route",
                );
            }
        }
        Mode::Prerendered => {
            for (api, line) in &file.request_apis {
                push(
                    LintCode::RequestApiPrerendered,
                    *line,
                    format!(
                        "`{api}` in a prerendered route runs once, at build time, not per request"
                    ),
                    "render the route on demand with `export const prerender = false;`, or drop the request API",
                );
            }
            if file.is_dynamic() && file.get_static_paths.is_none() && file.kind == Kind::Page {
                push(
                    LintCode::DynamicWithoutStaticPaths,
                    1,
                    "a prerendered dynamic route without `getStaticPaths`: the build fails with GetStaticPathsRequired".into(),
                    "export `getStaticPaths`, or render the route on demand with `export const prerender = false;`",
                );
            }
        }
    }
}
