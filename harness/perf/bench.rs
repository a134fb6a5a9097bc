//! `astro-conform bench`: a project's route set under load, per variant (project × stack ×
//! adapter × server environment).
//!
//! The route set lives in the project's `bench.toml`. Each variant is built once
//! ([`prepare`]) and its server started as its adapter profile says ([`Prepared::start`]),
//! pinned to one core while the load generator ([`crate::perf::load`]) runs on another.
//! The A/B decision that uses these servers is [`crate::perf::ab`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::paths;
use crate::perf::load::{self, LoadOptions, LoadReport, Target};
use crate::pipeline::build::{self, BuildRequest};
use crate::pipeline::classify::Mode;
use crate::pipeline::discover::{adapter, case};
use crate::pipeline::install::stack;
use crate::pipeline::serve::Launch;
use crate::pipeline::serve::Server;
use crate::suite::{self, Runner};

/// The file in a project that lists the routes to measure.
pub const ROUTES_FILE: &str = "bench.toml";

/// Why a bench could not run or its numbers cannot be trusted.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(
        "{0} has no {ROUTES_FILE}; list the routes to measure there, e.g.\n\n[[route]]\nname = \"home\"\npath = \"/\"\nfile = \"src/pages/index.astro\"   # optional: shows its ▶/λ\nheaders = {{ cookie = \"a=1\" }}   # optional"
    )]
    NoRoutesFile(PathBuf),
    #[error("{file}:{line}:{column}: {message}")]
    InvalidRoutesFile {
        file: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("no route named `{name}` in {file} (it has: {known})")]
    UnknownRoute {
        name: String,
        file: PathBuf,
        known: String,
    },
    #[error("{file}: route `{route}` names {source_file}, which the build did not route")]
    UnroutedFile {
        file: PathBuf,
        route: String,
        source_file: String,
    },
    #[error(
        "`{0}` is not a variant: use key=value pairs joined by commas, keys project, stack, adapter and env.NAME (e.g. stack=astro5,adapter=node or env.NODE_OPTIONS=--jitless)"
    )]
    BadVariant(String),
    #[error("A and B must measure the same routes; A has {a}, B has {b}")]
    RouteSetsDiffer { a: String, b: String },
    #[error("`{0}` is not a baseline name (letters, digits, `.`, `_`, `-`)")]
    BadBaselineName(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Load(#[from] load::LoadError),
}

fn io_err(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BenchError {
    let context = context.into();
    move |source| BenchError::Io { context, source }
}

/// One route to load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteSpec {
    /// A short name for tables and `--route`.
    pub name: String,
    /// Path and query to GET.
    pub path: String,
    /// The page or endpoint serving it (`src/pages/...`); its ▶/λ is read from the build.
    #[serde(default)]
    pub file: Option<String>,
    /// Request headers.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutesFile {
    route: Vec<RouteSpec>,
}

/// Reads `<project>/bench.toml`, keeping the routes named in `only` (all when empty).
pub fn read_routes(project: &Path, only: &[String]) -> Result<Vec<RouteSpec>, BenchError> {
    let file = project.join(ROUTES_FILE);
    let text = match std::fs::read_to_string(&file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(BenchError::NoRoutesFile(project.to_path_buf()));
        }
        other => other.map_err(io_err(format!("reading {}", file.display())))?,
    };
    let invalid = |line, column, message| BenchError::InvalidRoutesFile {
        file: file.clone(),
        line,
        column,
        message,
    };
    let parsed: RoutesFile = case::parse_strict(&text)
        .map_err(|(line, column, message)| invalid(line, column, message))?;
    let mut seen = std::collections::BTreeSet::new();
    for route in &parsed.route {
        if !seen.insert(route.name.as_str()) {
            // Point at the second listing, not the first.
            let quoted = format!("\"{}\"", route.name);
            let at = text.match_indices(&quoted).nth(1).map_or(0, |(at, _)| at);
            let (line, column) = case::line_col(&text, at);
            return Err(invalid(
                line,
                column,
                format!("route `{}` is listed twice", route.name),
            ));
        }
    }
    for name in only {
        if !seen.contains(name.as_str()) {
            return Err(BenchError::UnknownRoute {
                name: name.clone(),
                file,
                known: seen.into_iter().collect::<Vec<_>>().join(", "),
            });
        }
    }
    Ok(parsed
        .route
        .into_iter()
        .filter(|r| only.is_empty() || only.contains(&r.name))
        .collect())
}

/// What is measured: a project built with a stack and served through an adapter profile,
/// with extra environment for the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub project: PathBuf,
    pub stack: String,
    pub adapter: String,
    /// Added to the server's environment (after the profile's).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
}

impl Variant {
    /// The bench's own route set on `stack` with the node adapter.
    pub fn default_for(stack: &str) -> Self {
        Self {
            project: paths::fixtures_dir().join("bench-routes"),
            stack: stack.into(),
            adapter: "node".into(),
            env: BTreeMap::new(),
        }
    }

    /// `key=value,...` (keys `project`, `stack`, `adapter`, `env.NAME`) over `base`.
    pub fn parse(spec: &str, base: &Variant) -> Result<Self, BenchError> {
        let mut out = base.clone();
        for pair in spec.split(',').filter(|p| !p.trim().is_empty()) {
            let (key, value) = pair
                .split_once('=')
                .ok_or_else(|| BenchError::BadVariant(spec.into()))?;
            let value = value.trim().to_string();
            match key.trim() {
                "project" => out.project = PathBuf::from(value),
                "stack" => out.stack = value,
                "adapter" => out.adapter = value,
                key => match key.strip_prefix("env.") {
                    Some(name) if !name.is_empty() => {
                        out.env.insert(name.to_string(), value);
                    }
                    _ => return Err(BenchError::BadVariant(spec.into())),
                },
            }
        }
        Ok(out)
    }

    /// `stack · adapter · project-folder-name`, then ` · NAME=value` per environment entry.
    pub fn label(&self) -> String {
        let project = build::project_label(&self.project);
        let mut label = format!("{} · {} · {project}", self.stack, self.adapter);
        for (name, value) in &self.env {
            label.push_str(&format!(" · {name}={value}"));
        }
        label
    }
}

/// A route of a served variant, ready to load.
#[derive(Debug, Clone)]
pub struct ServedRoute {
    pub spec: RouteSpec,
    /// ▶/λ as the build decided (when the route names its file).
    pub mode: Option<Mode>,
    pub target: Target,
}

/// A variant built and ready to start, as often as needed (each A/B fork starts fresh
/// servers from it).
pub struct Prepared {
    pub variant: Variant,
    /// The Astro version of the stack.
    pub astro: String,
    /// The routes with their ▶/λ from the build.
    routes: Vec<(RouteSpec, Option<Mode>)>,
    launch: Launch,
    adapter: String,
    ready_timeout: Duration,
}

/// A variant built and running. Dropping it stops the server.
pub struct Served {
    pub variant: Variant,
    /// The Astro version of the stack.
    pub astro: String,
    pub routes: Vec<ServedRoute>,
    pub server: Server,
}

/// Installs and builds `variant` (cached), and finds the ▶/λ of the routes of its
/// bench.toml named in `only`. The server is started by [`Prepared::start`], on
/// `server_cpu`.
pub fn prepare(
    variant: &Variant,
    runner: &Runner,
    only: &[String],
    server_cpu: Option<usize>,
) -> Result<Prepared, BenchError> {
    let setup = BenchError::Setup;
    build::check_project(&variant.project).map_err(|e| setup(e.to_string()))?;
    let specs = read_routes(&variant.project, only)?;
    let stack =
        stack::find(&paths::stacks_dir(), &variant.stack).map_err(|e| setup(e.to_string()))?;
    let profile = adapter::select(std::slice::from_ref(&variant.adapter))
        .map_err(|e| setup(e.to_string()))?
        .remove(0);
    let installed = runner
        .installed_with(&stack, Some(&profile))
        .map_err(setup)?;
    let label = build::project_label(&variant.project);
    let built = build::build(&BuildRequest {
        label: &label,
        project: &variant.project,
        stack: &installed,
        adapter: &profile.adapter(),
        use_cache: true,
    })
    .map_err(|e| setup(e.to_string()))?;
    let classification = suite::classify_build(&built).map_err(setup)?;
    suite::check_entry(&built, &profile).map_err(setup)?;
    let mut launch = profile.launch(&built, &installed);
    launch.cpu = server_cpu;
    launch
        .env
        .extend(variant.env.iter().map(|(k, v)| (k.clone(), v.clone())));
    let mut routes = Vec::new();
    for spec in specs {
        let mode = match &spec.file {
            None => None,
            Some(file) => Some(
                classification
                    .routes
                    .iter()
                    .find(|r| &r.source == file)
                    .map(|r| r.mode)
                    .ok_or_else(|| BenchError::UnroutedFile {
                        file: variant.project.join(ROUTES_FILE),
                        route: spec.name.clone(),
                        source_file: file.clone(),
                    })?,
            ),
        };
        routes.push((spec, mode));
    }
    Ok(Prepared {
        variant: variant.clone(),
        astro: installed.astro_version.to_string(),
        routes,
        launch,
        adapter: profile.name.clone(),
        ready_timeout: profile.ready_timeout(),
    })
}

impl Prepared {
    /// The names of the routes, in bench.toml's order.
    pub fn route_names(&self) -> Vec<String> {
        self.routes.iter().map(|(s, _)| s.name.clone()).collect()
    }

    /// Each route's name and ▶/λ.
    pub fn route_modes(&self) -> Vec<(String, Option<Mode>)> {
        self.routes
            .iter()
            .map(|(s, m)| (s.name.clone(), *m))
            .collect()
    }

    /// Starts a fresh server and resolves each route's URL against it.
    pub fn start(&self) -> Result<Served, BenchError> {
        let server = Server::start(&self.launch, self.ready_timeout)
            .map_err(|e| BenchError::Setup(format!("adapter `{}`: {e}", self.adapter)))?;
        let base = server.base_url();
        let mut routes = Vec::new();
        for (spec, mode) in &self.routes {
            let mut target = Target::parse(&format!("{base}{}", spec.path))?;
            for (name, value) in &spec.headers {
                target = target.with_header(name, value)?;
            }
            routes.push(ServedRoute {
                spec: spec.clone(),
                mode: *mode,
                target,
            });
        }
        Ok(Served {
            variant: self.variant.clone(),
            astro: self.astro.clone(),
            routes,
            server,
        })
    }
}

/// [`prepare`], then [`Prepared::start`].
pub fn serve(
    variant: &Variant,
    runner: &Runner,
    only: &[String],
    server_cpu: Option<usize>,
) -> Result<Served, BenchError> {
    prepare(variant, runner, only, server_cpu)?.start()
}

/// How hard and how long each measurement loads a route.
#[derive(Debug, Clone)]
pub struct Settings {
    pub connections: usize,
    /// One measurement (`bench`) or one round (`--ab`).
    pub duration: Duration,
    /// Load before measuring, so the server's JIT has compiled the render path.
    pub warmup: Duration,
    pub timeout: Duration,
    /// The load generator's core.
    pub client_cpu: Option<usize>,
}

/// Loads `route` for `duration` with the settings' connections, timeout and core.
pub fn load_route(
    route: &ServedRoute,
    settings: &Settings,
    duration: Duration,
) -> Result<LoadReport, BenchError> {
    Ok(load::run(&LoadOptions {
        target: route.target.clone(),
        connections: settings.connections,
        duration,
        rate: None,
        timeout: settings.timeout,
        cpu: settings.client_cpu,
        requests: None,
    })?)
}

/// Why a measurement is not of a successful render: errors, or statuses outside 2xx.
pub fn untrustworthy(report: &LoadReport) -> Option<String> {
    let mut why: Vec<String> = report
        .errors
        .iter()
        .map(|(kind, n)| format!("{n} {kind} error(s)"))
        .collect();
    why.extend(
        report
            .statuses
            .iter()
            .filter(|(status, _)| !(200..300).contains(*status))
            .map(|(status, n)| format!("{n} response(s) with status {status}")),
    );
    if report.requests == 0 && why.is_empty() {
        why.push("no response completed".into());
    }
    (!why.is_empty()).then(|| why.join(", "))
}

/// Peak resident memory, in kB, of every process in the process group `pgid` (VmHWM
/// summed), or `None` when it cannot be read.
pub fn peak_rss_kb(pgid: u32) -> Option<u64> {
    let mut total = None;
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // The fields after the command name, which is in parentheses: state, ppid, pgrp.
        let group = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(2))
            .and_then(|g| g.parse::<u32>().ok());
        if group != Some(pgid) {
            continue;
        }
        let hwm = std::fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|status| {
                status
                    .lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            });
        if let Some(kb) = hwm {
            *total.get_or_insert(0) += kb;
        }
    }
    total
}

/// One route's measurement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RouteResult {
    pub name: String,
    pub path: String,
    /// `▶` or `λ` (when known).
    pub mode: Option<String>,
    pub load: LoadReport,
}

/// One variant's measurements.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub label: String,
    pub variant: Variant,
    pub astro: String,
    pub routes: Vec<RouteResult>,
    /// The server's peak resident memory after all its routes were loaded.
    pub peak_rss_kb: Option<u64>,
}

/// The result of `astro-conform bench`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BenchReport {
    pub connections: usize,
    pub seconds: f64,
    pub runs: Vec<RunResult>,
}

/// Loads every route of every served variant in turn, after a warm-up.
pub fn bench(
    served: &[Served],
    settings: &Settings,
    progress: &dyn Fn(&str),
) -> Result<BenchReport, BenchError> {
    let mut runs = Vec::new();
    for s in served {
        let label = s.variant.label();
        let mut routes = Vec::new();
        for route in &s.routes {
            progress(&format!("{label}: {}", route.spec.name));
            load_route(route, settings, settings.warmup)?;
            let load = load_route(route, settings, settings.duration)?;
            routes.push(RouteResult {
                name: route.spec.name.clone(),
                path: route.spec.path.clone(),
                mode: route.mode.map(|m| m.symbol().to_string()),
                load,
            });
        }
        runs.push(RunResult {
            label,
            variant: s.variant.clone(),
            astro: s.astro.clone(),
            routes,
            peak_rss_kb: peak_rss_kb(s.server.pid()),
        });
    }
    Ok(BenchReport {
        connections: settings.connections,
        seconds: settings.duration.as_secs_f64(),
        runs,
    })
}

/// Said under a table where a measurement's load generator used nearly a full core.
pub const GENERATOR_LIMITED_NOTE: &str = "LIMITED: the load generator used nearly a full core \
     there, so the server may not have been the bottleneck; the rate is a floor.\n";

/// The load generator's share of a core, `LIMITED` when it was near a full core.
pub fn client_cpu(report: &LoadReport) -> String {
    let pct = format!("{:.0}%", report.client_cpu * 100.0);
    if report.generator_limited() {
        format!("{pct} LIMITED")
    } else {
        pct
    }
}

fn megabytes(kb: Option<u64>) -> String {
    kb.map_or("?".into(), |kb| format!("{:.0} MB", kb as f64 / 1024.0))
}

impl BenchReport {
    /// Measurements that are not of successful renders, as `label route: why` lines.
    pub fn problems(&self) -> Vec<String> {
        self.runs
            .iter()
            .flat_map(|run| {
                run.routes.iter().filter_map(move |r| {
                    untrustworthy(&r.load).map(|why| format!("{} {}: {why}", run.label, r.name))
                })
            })
            .collect()
    }

    /// A table: one row per variant and route.
    pub fn table(&self) -> String {
        let mut rows = vec![
            [
                "variant",
                "route",
                "",
                "req/s",
                "p50",
                "p90",
                "p99",
                "p99.9",
                "max",
                "MB/s",
                "errors",
                "client CPU",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for run in &self.runs {
            for r in &run.routes {
                let l = &r.load.latency_us;
                rows.push(vec![
                    run.label.clone(),
                    r.name.clone(),
                    r.mode.clone().unwrap_or_default(),
                    format!("{:.0}", r.load.requests_per_sec),
                    load::micros(l.p50),
                    load::micros(l.p90),
                    load::micros(l.p99),
                    load::micros(l.p999),
                    load::micros(l.max),
                    format!("{:.2}", r.load.bytes_per_sec / 1e6),
                    untrustworthy(&r.load).map_or("0".into(), |_| r.load.error_count().to_string()),
                    client_cpu(&r.load),
                ]);
            }
        }
        let mut out = format_table(&rows, &[3, 4, 5, 6, 7, 8, 9, 10, 11]);
        out.push_str(&format!(
            "\n{} connection(s), {:.1} s per route, closed loop.\n",
            self.connections, self.seconds
        ));
        if self
            .runs
            .iter()
            .flat_map(|r| &r.routes)
            .any(|r| r.load.generator_limited())
        {
            out.push_str(GENERATOR_LIMITED_NOTE);
        }
        for run in &self.runs {
            out.push_str(&format!(
                "server peak RSS ({}, astro {}): {}\n",
                run.label,
                run.astro,
                megabytes(run.peak_rss_kb)
            ));
        }
        out
    }

    /// Each route's req/s and p99 now against `baseline` (matched by variant and route).
    pub fn compare(&self, baseline: &BenchReport, threshold: f64) -> String {
        let mut rows = vec![
            [
                "variant",
                "route",
                "req/s then",
                "req/s now",
                "ratio",
                "p99 then",
                "p99 now",
                "",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for run in &self.runs {
            let then_run = baseline.runs.iter().find(|b| b.variant == run.variant);
            for r in &run.routes {
                let then = then_run.and_then(|b| b.routes.iter().find(|x| x.name == r.name));
                let Some(then) = then else {
                    rows.push(vec![
                        run.label.clone(),
                        r.name.clone(),
                        "-".into(),
                        format!("{:.0}", r.load.requests_per_sec),
                        "new".into(),
                        "-".into(),
                        load::micros(r.load.latency_us.p99),
                        String::new(),
                    ]);
                    continue;
                };
                let ratio = r.load.requests_per_sec / then.load.requests_per_sec;
                let note = if ratio < 1.0 - threshold {
                    "slower?"
                } else if ratio > 1.0 + threshold {
                    "faster?"
                } else {
                    ""
                };
                rows.push(vec![
                    run.label.clone(),
                    r.name.clone(),
                    format!("{:.0}", then.load.requests_per_sec),
                    format!("{:.0}", r.load.requests_per_sec),
                    format!("{ratio:.3}"),
                    load::micros(then.load.latency_us.p99),
                    load::micros(r.load.latency_us.p99),
                    note.into(),
                ]);
            }
        }
        let mut out = format_table(&rows, &[2, 3, 4, 5, 6]);
        out.push_str(
            "\nNumbers from separate runs on a shared machine move 10–15%; a `?` marks a change \
             beyond the threshold, not a decision. Decide with `--ab`.\n",
        );
        out
    }
}

/// Columns padded to their widest cell; the columns in `right` aligned right.
pub fn format_table(rows: &[Vec<String>], right: &[usize]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                let pad = " ".repeat(widths[c] - cell.chars().count());
                if right.contains(&c) {
                    format!("{pad}{cell}")
                } else {
                    format!("{cell}{pad}")
                }
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

/// Where `--save NAME` keeps baselines by default.
pub fn baselines_dir() -> PathBuf {
    PathBuf::from(".astro-conform/baselines")
}

/// The file of baseline `name` in `dir`.
pub fn baseline_file(dir: &Path, name: &str) -> Result<PathBuf, BenchError> {
    let ok = !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
    if !ok {
        return Err(BenchError::BadBaselineName(name.into()));
    }
    Ok(dir.join(format!("{name}.json")))
}

/// Writes `value` as pretty JSON to `path`, creating its folder.
pub fn write_json(path: &Path, value: &impl Serialize) -> Result<(), BenchError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io_err(format!("creating {}", dir.display())))?;
    }
    let text = serde_json::to_string_pretty(value).expect("reports serialize");
    std::fs::write(path, text + "\n").map_err(io_err(format!("writing {}", path.display())))
}

/// Reads a report written by [`write_json`].
pub fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, BenchError> {
    let text =
        std::fs::read_to_string(path).map_err(io_err(format!("reading {}", path.display())))?;
    serde_json::from_str(&text)
        .map_err(|e| BenchError::Setup(format!("{} is not a bench report: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variants_parse_over_a_base() {
        let base = Variant::default_for("astro7");
        let v = Variant::parse("stack=astro5, adapter=node-middleware", &base).unwrap();
        assert_eq!(
            (v.stack.as_str(), v.adapter.as_str()),
            ("astro5", "node-middleware")
        );
        assert_eq!(v.project, base.project);
        assert!(Variant::parse("astro5", &base).is_err());
        assert!(Variant::parse("colour=red", &base).is_err());
        assert!(Variant::parse("env.=1", &base).is_err());
        let v = Variant::parse("env.BURN=/a:30;/b:20", &base).unwrap();
        assert_eq!(v.env["BURN"], "/a:30;/b:20");
        assert!(v.label().ends_with(" · BURN=/a:30;/b:20"), "{}", v.label());
    }

    #[test]
    fn route_files_are_read_strictly() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_routes(dir.path(), &[]),
            Err(BenchError::NoRoutesFile(_))
        ));
        std::fs::write(
            dir.path().join(ROUTES_FILE),
            "[[route]]\nname = \"a\"\npath = \"/\"\nspeed = 1\n",
        )
        .unwrap();
        let err = read_routes(dir.path(), &[]).unwrap_err().to_string();
        assert!(err.contains("bench.toml:4:"), "{err}");
        assert!(err.contains("speed"), "{err}");
        std::fs::write(
            dir.path().join(ROUTES_FILE),
            "[[route]]\nname = \"a\"\npath = \"/\"\n[[route]]\nname = \"b\"\npath = \"/b\"\n",
        )
        .unwrap();
        assert_eq!(
            read_routes(dir.path(), &["b".into()]).unwrap()[0].path,
            "/b"
        );
        let err = read_routes(dir.path(), &["c".into()])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("no route named `c`") && err.contains("a, b"),
            "{err}"
        );
    }

    #[test]
    fn a_route_listed_twice_points_at_the_second_listing() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(ROUTES_FILE),
            "[[route]]\nname = \"a\"\npath = \"/\"\n[[route]]\nname = \"a\"\npath = \"/b\"\n",
        )
        .unwrap();
        let err = read_routes(dir.path(), &[]).unwrap_err().to_string();
        assert!(
            err.contains("bench.toml:5:") && err.contains("listed twice"),
            "{err}"
        );
    }

    fn report(rps: &[(&str, f64)]) -> BenchReport {
        let load = |rps: f64| LoadReport {
            url: "http://127.0.0.1:1/".into(),
            connections: 1,
            rate: None,
            seconds: 1.0,
            requests: rps as u64,
            requests_per_sec: rps,
            bytes: 0,
            bytes_per_sec: 0.0,
            latency_us: load::Latency {
                p50: 1,
                p90: 1,
                p99: 1,
                p999: 1,
                max: 1,
                mean: 1.0,
            },
            statuses: BTreeMap::from([(200, rps as u64)]),
            errors: BTreeMap::new(),
            client_cpu: 0.5,
        };
        let variant = Variant::default_for("astro7");
        BenchReport {
            connections: 1,
            seconds: 1.0,
            runs: vec![RunResult {
                label: variant.label(),
                variant,
                astro: "7".into(),
                routes: rps
                    .iter()
                    .map(|(name, r)| RouteResult {
                        name: name.to_string(),
                        path: "/".into(),
                        mode: None,
                        load: load(*r),
                    })
                    .collect(),
                peak_rss_kb: None,
            }],
        }
    }

    #[test]
    fn compare_marks_changes_beyond_the_threshold_only() {
        let then = report(&[("steady", 1000.0), ("slow", 1000.0), ("fast", 1000.0)]);
        let now = report(&[
            ("steady", 950.0),
            ("slow", 800.0),
            ("fast", 1200.0),
            ("new", 5.0),
        ]);
        let text = now.compare(&then, 0.10);
        let line = |name: &str| {
            text.lines()
                .find(|l| l.split_whitespace().nth(5) == Some(name))
                .unwrap_or_else(|| panic!("no row {name}:\n{text}"))
                .to_string()
        };
        assert!(!line("steady").contains('?'), "{text}");
        assert!(line("slow").contains("slower?"), "{text}");
        assert!(line("fast").contains("faster?"), "{text}");
        assert!(line("new").contains("new"), "{text}");
    }

    #[test]
    fn a_route_with_errors_or_non_2xx_is_not_a_render() {
        let mut r = report(&[("x", 100.0)]);
        assert!(r.problems().is_empty());
        r.runs[0].routes[0].load.statuses.insert(500, 3);
        r.runs[0].routes[0].load.errors.insert("timeout".into(), 2);
        let problems = r.problems().join("\n");
        assert!(
            problems.contains("3 response(s) with status 500"),
            "{problems}"
        );
        assert!(problems.contains("2 timeout error(s)"), "{problems}");
    }

    #[test]
    fn baseline_names_cannot_leave_their_folder() {
        assert!(baseline_file(Path::new("b"), "main-2026.11").is_ok());
        for bad in ["", "../x", ".hidden", "a/b"] {
            assert!(baseline_file(Path::new("b"), bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_peak_rss_of_this_process_group_is_read() {
        let pgid = unsafe { libc::getpgrp() } as u32;
        assert!(peak_rss_kb(pgid).unwrap() > 0);
    }
}
