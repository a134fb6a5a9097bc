//! A model of how Astro decides each route's mode, read from the project's files without
//! building: the literal-flag match in page and endpoint sources, the output default,
//! adapter presence, redirects from the config, and the build errors that follow.
//!
//! `astro-conform explain` prints it with the reason for every decision and lints; every
//! build check compares Astro's actual decision with it. The rules are those of
//! astro 5.x and 7.x (`core/routing/prerender.js` is the same in both); an integration's
//! `astro:route:setup` hook can still change a route, which no model of the files sees.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

use crate::pipeline::classify::Mode;

/// Astro's own flag match: the first line (anywhere in the file) that reads
/// `export const prerender = true|false`, an optional `;`, any whitespace between.
static FLAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^\s*(export)\s+const\s+prerender\s*=\s*(true|false);?").expect("valid")
});
/// Anything that looks like a flag, to explain why Astro ignored it.
static LOOSE_FLAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?m)^[ \t]*(export)\s+(?:const|let|var)\s+prerender\b\s*=?\s*([^;\r\n]*)")
        .expect("valid")
});
static GET_STATIC_PATHS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"export\s+(?:async\s+)?(?:function\s+getStaticPaths\b|const\s+getStaticPaths\b)")
        .expect("valid")
});
static REQUEST_API: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"Astro\.(?:cookies|request\.headers|redirect|response|clientAddress|session)\b|\b(?:cookies\.(?:set|get|has|delete)|request\.headers)\b",
    )
    .expect("valid")
});
static SERVER_ISLAND: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\sserver:defer\b").expect("valid"));
static OUTPUT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"\boutput\s*:\s*(?:(['"`])(\w+)['"`]|([^,}\s]+))"#).expect("valid")
});
static ADAPTER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\badapter\s*:\s*([^,}\s]+)").expect("valid"));
static REDIRECT_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(['"])(/[^'"]*)['"]\s*:\s*(?:(['"])([^'"]*)['"]|\{[^}]*?destination\s*:\s*(['"])([^'"]*)['"][^}]*\})"#,
    )
    .expect("valid")
});

/// Page extensions Astro routes (Markdown variants and `.mdx` with its integration).
const PAGE_EXTENSIONS: [&str; 9] = [
    "astro", "html", "md", "markdown", "mdown", "mkdn", "mkd", "mdwn", "mdx",
];
/// Endpoint extensions.
const ENDPOINT_EXTENSIONS: [&str; 2] = ["ts", "js"];

/// A route file is a page (renders HTML) or an endpoint (returns a Response).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Page,
    Endpoint,
}

/// The `prerender` export of a route file, as Astro reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flag {
    /// No flag: the output default applies.
    Absent,
    /// `export const prerender = true|false` at this line.
    Literal { value: bool, line: usize },
    /// Something that reads like a flag but is not the literal Astro matches: ignored.
    Ignored { text: String, line: usize },
}

/// One file of `src/pages`.
#[derive(Debug, Clone)]
pub struct RouteFile {
    /// Relative to the project, e.g. `src/pages/blog/[slug].astro`.
    pub source: String,
    /// The URL pattern, e.g. `/blog/[slug]`.
    pub pattern: String,
    pub kind: Kind,
    pub flag: Flag,
    /// Line of an exported `getStaticPaths`.
    pub get_static_paths: Option<usize>,
    /// Request-time APIs used (text and line), e.g. `Astro.cookies`.
    pub request_apis: Vec<(String, usize)>,
}

impl RouteFile {
    /// True when the pattern has a `[param]` or `[...rest]` segment.
    pub fn is_dynamic(&self) -> bool {
        self.pattern.contains('[')
    }
}

/// Where a config value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting<T> {
    /// Not set: Astro's default.
    Default(T),
    /// Read from the config at this line.
    Config { value: T, line: usize },
    /// Set, but not to a literal the model can read (value assumed, the text, line).
    Unreadable {
        assumed: T,
        text: String,
        line: usize,
    },
}

impl<T: Copy> Setting<T> {
    /// The value in effect (or assumed).
    pub fn value(&self) -> T {
        match self {
            Setting::Default(v) => *v,
            Setting::Config { value, .. } => *value,
            Setting::Unreadable { assumed, .. } => *assumed,
        }
    }
}

/// `output` of the config.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Output {
    Static,
    Server,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Output::Static => "static",
            Output::Server => "server",
        })
    }
}

/// A `redirects` entry of the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub from: String,
    pub to: String,
    pub line: usize,
}

/// What the model reads from a project folder.
#[derive(Debug, Clone)]
pub struct Project {
    pub dir: PathBuf,
    /// The config file, relative to the project (when there is one).
    pub config: Option<String>,
    pub output: Setting<Output>,
    pub adapter: Setting<bool>,
    pub redirects: Vec<Redirect>,
    pub routes: Vec<RouteFile>,
    /// Files under `src/` with a `server:defer` island (file, line).
    pub server_islands: Vec<(String, usize)>,
}

/// Errors reading a project.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("{0} is not an Astro project: it has neither an astro.config.* nor src/pages")]
    NotAProject(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

const CONFIG_NAMES: [&str; 5] = [
    "astro.config.mjs",
    "astro.config.js",
    "astro.config.ts",
    "astro.config.mts",
    "astro.config.cjs",
];

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

fn read(path: &Path) -> Result<String, RulesError> {
    std::fs::read_to_string(path).map_err(|source| RulesError::Io {
        path: path.to_path_buf(),
        source,
    })
}

impl Project {
    /// Reads the config and every route file of `dir`.
    pub fn read(dir: &Path) -> Result<Self, RulesError> {
        let config = CONFIG_NAMES.iter().find(|n| dir.join(n).is_file());
        let pages = dir.join("src/pages");
        if config.is_none() && !pages.is_dir() {
            return Err(RulesError::NotAProject(dir.to_path_buf()));
        }
        let config_text = match config {
            Some(name) => read(&dir.join(name))?,
            None => String::new(),
        };
        let mut routes = Vec::new();
        let mut server_islands = Vec::new();
        for entry in walkdir::WalkDir::new(dir.join("src"))
            .sort_by_file_name()
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
        {
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            let source = rel.to_string_lossy().replace('\\', "/");
            let is_text = matches!(
                entry.path().extension().and_then(|e| e.to_str()),
                Some("astro" | "md" | "mdx" | "html" | "ts" | "js" | "tsx" | "jsx")
            );
            if !is_text {
                continue;
            }
            let text = read(entry.path())?;
            if let Some(m) = SERVER_ISLAND.find(&text) {
                server_islands.push((source.clone(), line_of(&text, m.start() + 1)));
            }
            if let Ok(in_pages) = entry.path().strip_prefix(&pages)
                && let Some(route) = route_file(&source, in_pages, &text)
            {
                routes.push(route);
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            config: config.map(|c| c.to_string()),
            output: read_output(&config_text),
            adapter: read_adapter(&config_text),
            redirects: read_redirects(&config_text),
            routes,
            server_islands,
        })
    }
}

/// The route of a file under `src/pages` (`in_pages`), or `None` when Astro does not
/// route it (a `_`-prefixed part, or an extension that is neither page nor endpoint).
fn route_file(source: &str, in_pages: &Path, text: &str) -> Option<RouteFile> {
    let parts: Vec<String> = in_pages
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.iter().any(|p| p.starts_with('_')) {
        return None;
    }
    let file = parts.last()?;
    let (stem, ext) = file.rsplit_once('.')?;
    let kind = if PAGE_EXTENSIONS.contains(&ext) {
        Kind::Page
    } else if ENDPOINT_EXTENSIONS.contains(&ext) && !stem.ends_with(".d") {
        Kind::Endpoint
    } else {
        return None;
    };
    let mut segments: Vec<&str> = parts[..parts.len() - 1]
        .iter()
        .map(String::as_str)
        .collect();
    if stem != "index" {
        segments.push(stem);
    }
    let pattern = format!("/{}", segments.join("/"));
    Some(RouteFile {
        source: source.to_string(),
        pattern,
        kind,
        flag: read_flag(text),
        get_static_paths: GET_STATIC_PATHS
            .find(text)
            .map(|m| line_of(text, m.start())),
        request_apis: request_apis(text),
    })
}

/// The flag as Astro reads it (see [`FLAG`]), else what looks like one.
pub fn read_flag(text: &str) -> Flag {
    if let Some(c) = FLAG.captures(text) {
        let at = c.get(1).map_or(0, |m| m.start());
        return Flag::Literal {
            value: &c[2] == "true",
            line: line_of(text, at),
        };
    }
    if let Some(c) = LOOSE_FLAG.captures(text) {
        let at = c.get(1).map_or(0, |m| m.start());
        let whole = c.get(0).map_or("", |m| m.as_str()).trim();
        return Flag::Ignored {
            text: whole.to_string(),
            line: line_of(text, at),
        };
    }
    Flag::Absent
}

fn request_apis(text: &str) -> Vec<(String, usize)> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for m in REQUEST_API.find_iter(text) {
        if !seen.iter().any(|(api, _)| api == m.as_str()) {
            seen.push((m.as_str().to_string(), line_of(text, m.start())));
        }
    }
    seen
}

fn read_output(config: &str) -> Setting<Output> {
    let Some(c) = OUTPUT.captures(config) else {
        return Setting::Default(Output::Static);
    };
    let line = line_of(config, c.get(0).map_or(0, |m| m.start()));
    match c.get(2).map(|m| m.as_str()) {
        Some("server") => Setting::Config {
            value: Output::Server,
            line,
        },
        Some("static") => Setting::Config {
            value: Output::Static,
            line,
        },
        _ => Setting::Unreadable {
            assumed: Output::Static,
            text: c[0].to_string(),
            line,
        },
    }
}

fn read_adapter(config: &str) -> Setting<bool> {
    match ADAPTER.captures(config) {
        None => Setting::Default(false),
        Some(c) => Setting::Config {
            value: !matches!(&c[1], "undefined" | "null"),
            line: line_of(config, c.get(0).map_or(0, |m| m.start())),
        },
    }
}

fn read_redirects(config: &str) -> Vec<Redirect> {
    let Some(start) = config.find("redirects") else {
        return Vec::new();
    };
    let Some(open) = config[start..].find('{').map(|i| start + i) else {
        return Vec::new();
    };
    let mut depth = 0;
    let mut end = config.len();
    for (i, ch) in config[open..].char_indices() {
        match ch {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    end = open + i;
                    break;
                }
            }
            _ => {}
        }
    }
    REDIRECT_PAIR
        .captures_iter(&config[open..end])
        .map(|c| Redirect {
            from: c[2].to_string(),
            to: c.get(4).or(c.get(6)).map_or("", |m| m.as_str()).to_string(),
            line: line_of(config, open + c.get(0).map_or(0, |m| m.start())),
        })
        .collect()
}

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

/// The model's prediction for a whole project.
#[derive(Debug, Clone, Serialize)]
pub struct Prediction {
    pub output: Output,
    pub adapter: bool,
    pub routes: Vec<Predicted>,
    /// Config redirects to a page of the project, with that page's mode.
    pub redirects: Vec<Predicted>,
    /// The Astro error the build fails with, if it fails.
    pub build_error: Option<String>,
    pub lints: Vec<Lint>,
}

impl Prediction {
    /// The predicted route for a source file.
    pub fn route(&self, source: &str) -> Option<&Predicted> {
        self.routes.iter().find(|r| r.source == source)
    }

    /// The listing with the reason for each decision and each predicted file.
    pub fn explain_listing(&self) -> String {
        let width = self
            .routes
            .iter()
            .map(|r| r.source.chars().count())
            .max()
            .unwrap_or(0);
        let mut out = String::new();
        for r in self.routes.iter().chain(&self.redirects) {
            let pad = width.saturating_sub(r.source.chars().count());
            out.push_str(&format!(
                "{} {}{}  {}\n",
                r.mode,
                r.source,
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
    let default_mode = match output {
        Output::Static => Mode::Prerendered,
        Output::Server => Mode::OnDemand,
    };
    let default_why = match &project.output {
        Setting::Default(_) => "output defaults to static, which prerenders".to_string(),
        Setting::Config { value, .. } => match value {
            Output::Static => "output static prerenders by default".into(),
            Output::Server => "output server renders on demand by default".into(),
        },
        Setting::Unreadable { text, .. } => {
            format!("`{text}` is not a literal; assumed output static, which prerenders")
        }
    };
    if let Setting::Unreadable { text, line, .. } = &project.output {
        lints.push(Lint {
            code: "AC006",
            severity: Severity::Warning,
            file: config.clone(),
            line: *line,
            message: format!("`{text}` is not a literal output; the model assumes static"),
            fix: "write `output: 'static'` or `output: 'server'`".into(),
        });
    }

    let mut routes = Vec::new();
    for file in &project.routes {
        let (mode, why) = match &file.flag {
            Flag::Literal { value, line } => (
                if *value {
                    Mode::Prerendered
                } else {
                    Mode::OnDemand
                },
                format!("flag `{value}` at line {line}"),
            ),
            Flag::Absent => (default_mode, format!("no flag: {default_why}")),
            Flag::Ignored { text, line } => {
                lints.push(Lint {
                    code: "AC001",
                    severity: Severity::Warning,
                    file: file.source.clone(),
                    line: *line,
                    message: format!(
                        "`{text}` is not the literal flag Astro reads: ignored, the default of output {output} applies ({default_mode})"
                    ),
                    fix: "write `export const prerender = true;` or `export const prerender = false;`".into(),
                });
                (
                    default_mode,
                    format!("`{text}` at line {line} is not a literal: ignored; {default_why}"),
                )
            }
        };
        // Without an adapter, output server fails as a whole: one lint on the config.
        let route_needs_adapter = !has_adapter && output == Output::Static;
        lint_route(file, mode, route_needs_adapter, &mut lints);
        routes.push(Predicted {
            source: file.source.clone(),
            pattern: file.pattern.clone(),
            kind: file.kind,
            mode,
            why,
            file: (mode == Mode::Prerendered && !file.is_dynamic())
                .then(|| built_file(&file.pattern, file.kind, &[])),
        });
    }

    let redirects = project
        .redirects
        .iter()
        .filter_map(|r| {
            let target = routes.iter().find(|p| p.pattern == r.to)?;
            Some(Predicted {
                source: format!("(redirect {} → {})", r.from, r.to),
                pattern: r.from.clone(),
                kind: Kind::Page,
                mode: target.mode,
                why: format!(
                    "redirect at {config}:{} takes the mode of {}",
                    r.line, target.source
                ),
                file: None,
            })
        })
        .collect();

    let any_on_demand = routes.iter().any(|r| r.mode == Mode::OnDemand);
    let build_error = if has_adapter {
        None
    } else if output == Output::Server {
        let line = match project.output {
            Setting::Config { line, .. } => line,
            _ => 1,
        };
        lints.push(Lint {
            code: "AC004",
            severity: Severity::Error,
            file: config.clone(),
            line,
            message: "output server without an adapter: the build fails with NoAdapterInstalled"
                .into(),
            fix: "add an adapter (e.g. `npx astro add node`) or use output static".into(),
        });
        Some("NoAdapterInstalled".to_string())
    } else if any_on_demand {
        Some("NoAdapterInstalled".to_string())
    } else if let Some((file, line)) = project.server_islands.first() {
        lints.push(Lint {
            code: "AC005",
            severity: Severity::Error,
            file: file.clone(),
            line: *line,
            message: "a server island (`server:defer`) without an adapter: the build fails with NoAdapterInstalledServerIslands".into(),
            fix: "add an adapter (e.g. `npx astro add node`) or drop `server:defer`".into(),
        });
        Some("NoAdapterInstalledServerIslands".to_string())
    } else {
        None
    };
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

/// Lints one route; `needs_adapter`: an on-demand route here fails the build.
fn lint_route(file: &RouteFile, mode: Mode, needs_adapter: bool, lints: &mut Vec<Lint>) {
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

/// The file a prerendered route writes (directory format), with `params` substituted for
/// its `[param]` / `[...rest]` parts in order; an empty value drops its segment.
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

#[cfg(test)]
mod tests;
