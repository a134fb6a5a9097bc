//! Reading a project as Astro does: the literal flag in each page and endpoint, the
//! config's `output`, `adapter` and `redirects`.

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use crate::astro::{BuildFormat, Output};
use crate::error::IoError;
use crate::project::NotAProject;
use regex::Regex;
use serde::Serialize;

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
    /// `build.format` of the config (default `directory`).
    pub build_format: BuildFormat,
    pub routes: Vec<RouteFile>,
    /// Files under `src/` with a `server:defer` island (file, line).
    pub server_islands: Vec<(String, usize)>,
}

/// The `format` of the config's `build` (a literal), else the default.
pub(super) fn read_build_format(config: &str) -> BuildFormat {
    static FORMAT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"\bformat\s*:\s*['"](file|preserve|directory)['"]"#).expect("valid")
    });
    match FORMAT.captures(config).map(|c| c[1].to_string()).as_deref() {
        Some("file") => BuildFormat::File,
        Some("preserve") => BuildFormat::Preserve,
        _ => BuildFormat::Directory,
    }
}

/// Errors reading a project.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error(transparent)]
    NotAProject(#[from] NotAProject),
    #[error(transparent)]
    Io(#[from] IoError),
}

pub(super) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

pub(super) fn read(path: &Path) -> Result<String, RulesError> {
    Ok(std::fs::read_to_string(path).map_err(IoError::reading(path))?)
}

impl Project {
    /// Reads the config and every route file of `dir`.
    pub fn read(dir: &Path) -> Result<Self, RulesError> {
        let config = crate::project::check(dir)?;
        let pages = dir.join("src/pages");
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
            build_format: read_build_format(&config_text),
            routes,
            server_islands,
        })
    }
}

/// The route of a file under `src/pages` (`in_pages`), or `None` when Astro does not
/// route it (a `_`-prefixed part, or an extension that is neither page nor endpoint).
pub(super) fn route_file(source: &str, in_pages: &Path, text: &str) -> Option<RouteFile> {
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
pub(crate) fn read_flag(text: &str) -> Flag {
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

pub(super) fn request_apis(text: &str) -> Vec<(String, usize)> {
    let mut seen: Vec<(String, usize)> = Vec::new();
    for m in REQUEST_API.find_iter(text) {
        if !seen.iter().any(|(api, _)| api == m.as_str()) {
            seen.push((m.as_str().to_string(), line_of(text, m.start())));
        }
    }
    seen
}

pub(super) fn read_output(config: &str) -> Setting<Output> {
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

pub(super) fn read_adapter(config: &str) -> Setting<bool> {
    match ADAPTER.captures(config) {
        None => Setting::Default(false),
        Some(c) => Setting::Config {
            value: !matches!(&c[1], "undefined" | "null"),
            line: line_of(config, c.get(0).map_or(0, |m| m.start())),
        },
    }
}

/// A redirect's source as Astro routes it: without a trailing slash (`/old/` is the route
/// `/old`, whatever `trailingSlash` says), `/` itself aside.
fn redirect_source(from: &str) -> String {
    match from.trim_end_matches('/') {
        "" => "/".to_string(),
        trimmed => trimmed.to_string(),
    }
}

pub(super) fn read_redirects(config: &str) -> Vec<Redirect> {
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
            from: redirect_source(&c[2]),
            to: c.get(4).or(c.get(6)).map_or("", |m| m.as_str()).to_string(),
            line: line_of(config, open + c.get(0).map_or(0, |m| m.start())),
        })
        .collect()
}
