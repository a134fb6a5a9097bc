//! The prediction: each route's mode with the reason, the build error, the files.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::astro::{AstroError, BuildFormat, Mode, Output};

use super::lint::lint_route;
use super::read::*;
use super::*;

/// The model's decision for one route.
#[derive(Debug, Clone, Serialize)]
pub struct Predicted {
    pub source: String,
    pub pattern: String,
    pub kind: Kind,
    pub mode: Mode,
    /// Why, in one line.
    pub why: String,
    /// For a prerendered route without parameters: the file it writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// The model's prediction for a whole project.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub output: Output,
    pub adapter: bool,
    pub routes: Vec<Predicted>,
    /// Config redirects, with their modes.
    pub redirects: Vec<Predicted>,
    /// The Astro error the build fails with, if it fails.
    pub build_error: Option<AstroError>,
    pub lints: Vec<Lint>,
}

impl Prediction {
    /// The predicted route for a source file.
    pub fn route(&self, source: &str) -> Option<&Predicted> {
        self.routes.iter().find(|r| r.source == source)
    }

    /// The listing with the reason for each decision and each predicted file; with `all`,
    /// config redirects too, marked as `classify --all-routes` marks them.
    pub fn explain_listing(&self, all: bool) -> String {
        let shown: Vec<(String, &Predicted)> = self
            .routes
            .iter()
            .map(|r| (r.source.clone(), r))
            .chain(self.redirects.iter().filter(|_| all).map(|r| {
                (
                    format!("{}  [project redirect: {}]", r.source, r.pattern),
                    r,
                )
            }))
            .collect();
        let width = shown
            .iter()
            .map(|(s, _)| s.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for (source, r) in shown {
            let pad = width.saturating_sub(source.chars().count());
            out.push_str(&format!(
                "{} {source}{}  {}\n",
                r.mode,
                " ".repeat(pad),
                r.why
            ));
            if let Some(file) = &r.file {
                out.push_str(&format!("  └─ {file}\n"));
            }
        }
        out
    }

    /// True when a lint is an error, or any lint when warnings are denied.
    pub fn fails(&self, deny_warnings: bool) -> bool {
        self.lints
            .iter()
            .any(|l| deny_warnings || l.severity == Severity::Error)
    }
}

/// Predicts every route's mode, the build error, and the lints. `adapter` overrides the
/// config (the harness adds one); `None` reads it from the config.
pub fn predict(project: &Project, adapter: Option<bool>) -> Prediction {
    let output = project.output.value();
    let has_adapter = adapter.unwrap_or_else(|| project.adapter.value());
    let config = project
        .config
        .clone()
        .unwrap_or_else(|| "astro.config.mjs".into());
    let mut lints = Vec::new();
    if let Setting::Unreadable { text, line, .. } = &project.output {
        lints.push(Lint {
            code: LintCode::NonLiteralOutput,
            severity: LintCode::NonLiteralOutput.severity(),
            file: config.clone(),
            line: *line,
            message: format!("`{text}` is not a literal output; the model assumes static"),
            fix: "write `output: 'static'` or `output: 'server'`".into(),
        });
    }
    let default = DefaultMode::of(&project.output);
    let routes: Vec<Predicted> = project
        .routes
        .iter()
        .map(|file| {
            let (mode, why) = route_mode(file, &default, &mut lints);
            // Without an adapter, output server fails as a whole: one lint on the config.
            let route_needs_adapter = !has_adapter && output == Output::Static;
            lint_route(file, mode, route_needs_adapter, &mut lints);
            Predicted {
                source: file.source.clone(),
                pattern: file.pattern.clone(),
                kind: file.kind,
                mode,
                why,
                file: (mode == Mode::Prerendered && !file.is_dynamic())
                    .then(|| built_file_as(file, project.build_format)),
            }
        })
        .collect();
    let redirects = redirects(project, &routes, &config);
    let build_error = (!has_adapter)
        .then(|| build_error(project, &routes, &config, &mut lints))
        .flatten();
    lints.sort_by(|a, b| (&a.file, a.line, a.code).cmp(&(&b.file, b.line, b.code)));
    Prediction {
        output,
        adapter: has_adapter,
        routes,
        redirects,
        build_error,
        lints,
    }
}

/// The mode of a route without a flag, and why.
struct DefaultMode {
    output: Output,
    mode: Mode,
    why: String,
}

impl DefaultMode {
    fn of(setting: &Setting<Output>) -> Self {
        let output = setting.value();
        let why = match setting {
            Setting::Default(_) => "output defaults to static, which prerenders".to_string(),
            Setting::Config { value, .. } => match value {
                Output::Static => "output static prerenders by default".into(),
                Output::Server => "output server renders on demand by default".into(),
            },
            Setting::Unreadable { text, .. } => {
                format!("`{text}` is not a literal; assumed output static, which prerenders")
            }
        };
        let mode = match output {
            Output::Static => Mode::Prerendered,
            Output::Server => Mode::OnDemand,
        };
        Self { output, mode, why }
    }
}

/// A route's mode from its flag (or the default), and why; lints a flag Astro ignores.
fn route_mode(file: &RouteFile, default: &DefaultMode, lints: &mut Vec<Lint>) -> (Mode, String) {
    match &file.flag {
        Flag::Literal { value, line } => (
            if *value {
                Mode::Prerendered
            } else {
                Mode::OnDemand
            },
            format!("flag `{value}` at line {line}"),
        ),
        Flag::Absent => (default.mode, format!("no flag: {}", default.why)),
        Flag::Ignored { text, line } => {
            lints.push(Lint {
                code: LintCode::NonLiteralPrerender,
                severity: LintCode::NonLiteralPrerender.severity(),
                file: file.source.clone(),
                line: *line,
                message: format!(
                    "`{text}` is not the literal flag Astro reads: ignored, the default of output {} applies ({})",
                    default.output, default.mode
                ),
                fix: "write `export const prerender = true;` or `export const prerender = false;`".into(),
            });
            (
                default.mode,
                format!(
                    "`{text}` at line {line} is not a literal: ignored; {}",
                    default.why
                ),
            )
        }
    }
}

/// Config redirects: one to a page of the project takes that page's mode; any other
/// (external, or no such page) keeps the output's default.
fn redirects(project: &Project, routes: &[Predicted], config: &str) -> Vec<Predicted> {
    let default = DefaultMode::of(&project.output);
    project
        .redirects
        .iter()
        .map(|r| {
            let (mode, why) = match routes.iter().find(|p| p.pattern == r.to) {
                Some(target) => (
                    target.mode,
                    format!(
                        "redirect at {config}:{} takes the mode of {}",
                        r.line, target.source
                    ),
                ),
                None => (
                    default.mode,
                    format!(
                        "redirect at {config}:{} to no page of the project: {}",
                        r.line, default.why
                    ),
                ),
            };
            Predicted {
                source: format!("(redirect {} → {})", r.from, r.to),
                pattern: r.from.clone(),
                kind: Kind::Page,
                mode,
                why,
                file: None,
            }
        })
        .collect()
}

/// The error a build without an adapter fails with, if any, with its lint.
fn build_error(
    project: &Project,
    routes: &[Predicted],
    config: &str,
    lints: &mut Vec<Lint>,
) -> Option<AstroError> {
    if project.output.value() == Output::Server {
        let line = match project.output {
            Setting::Config { line, .. } => line,
            _ => 1,
        };
        lints.push(Lint {
            code: LintCode::OnDemandWithoutAdapter,
            severity: LintCode::OnDemandWithoutAdapter.severity(),
            file: config.to_string(),
            line,
            message: "output server without an adapter: the build fails with NoAdapterInstalled"
                .into(),
            fix: "add an adapter (e.g. `npx astro add node`) or use output static".into(),
        });
        return Some(AstroError::NoAdapterInstalled);
    }
    if routes.iter().any(|r| r.mode == Mode::OnDemand) {
        return Some(AstroError::NoAdapterInstalled);
    }
    let (file, line) = project.server_islands.first()?;
    lints.push(Lint {
        code: LintCode::ServerIslandWithoutAdapter,
        severity: LintCode::ServerIslandWithoutAdapter.severity(),
        file: file.clone(),
        line: *line,
        message: "a server island (`server:defer`) without an adapter: the build fails with NoAdapterInstalledServerIslands".into(),
        fix: "add an adapter (e.g. `npx astro add node`) or drop `server:defer`".into(),
    });
    Some(AstroError::NoAdapterInstalledServerIslands)
}

/// The file a prerendered route without parameters writes under `format`.
pub fn built_file_as(file: &RouteFile, format: BuildFormat) -> String {
    let is_index = file
        .source
        .rsplit('/')
        .next()
        .is_some_and(|name| name.starts_with("index."));
    built_file_in(&file.pattern, file.kind, &[], format, is_index)
}

/// The file a prerendered route writes under `format`, its parameters filled with
/// `params`; `is_index`: the source file is an `index.*`.
pub fn built_file_in(
    pattern: &str,
    kind: Kind,
    params: &[&str],
    format: BuildFormat,
    is_index: bool,
) -> String {
    let directory = built_file(pattern, kind, params);
    match (format, kind) {
        (BuildFormat::Directory, _) | (_, Kind::Endpoint) => directory,
        (BuildFormat::Preserve, Kind::Page) if is_index => directory,
        _ if directory == "/index.html" => directory,
        _ => match directory.strip_suffix("/index.html") {
            Some(path) => format!("{path}.html"),
            None => directory,
        },
    }
}

/// The file a prerendered route writes with the default `build.format` (`directory`),
/// with `params` substituted for its `[param]` / `[...rest]` parts in order; an empty value
/// drops its segment.
pub fn built_file(pattern: &str, kind: Kind, params: &[&str]) -> String {
    static PARAM: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\[[^\]]+\]").expect("valid"));
    let mut values = params.iter();
    let segments: Vec<String> = pattern
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            PARAM
                .replace_all(s, |_: &regex::Captures| {
                    values.next().copied().unwrap_or("")
                })
                .into_owned()
        })
        .filter(|s| !s.is_empty())
        .collect();
    let path = segments.join("/");
    match kind {
        Kind::Endpoint => format!("/{path}"),
        Kind::Page if path.is_empty() => "/index.html".into(),
        Kind::Page if path == "404" || path == "500" => format!("/{path}.html"),
        Kind::Page => format!("/{path}/index.html"),
    }
}
