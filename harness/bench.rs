//! `astro-conform bench`: a project's route set under load, per variant (project × stack ×
//! adapter), and the same-run A/B comparison that decides whether a change made it slower.
//!
//! The route set lives in the project's `bench.toml`. Each variant is built and served as
//! its adapter profile says, with the server pinned to one core and the load generator
//! ([`crate::load`]) to another. A/B alternates short rounds between the two servers and
//! judges the median of the paired req/s ratios by its bootstrap confidence interval.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::build::{self, BuildRequest};
use crate::classify::Mode;
use crate::load::{self, LoadOptions, LoadReport, Target};
use crate::serve::Server;
use crate::suite::{self, Runner};
use crate::{adapter, case, paths, stack, stats};

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
        "`{0}` is not a variant: use key=value pairs joined by commas, keys project, stack, adapter (e.g. stack=astro5,adapter=node)"
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

/// What is measured: a project built with a stack and served through an adapter profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variant {
    pub project: PathBuf,
    pub stack: String,
    pub adapter: String,
}

impl Variant {
    /// The bench's own route set on `stack` with the node adapter.
    pub fn default_for(stack: &str) -> Self {
        Self {
            project: paths::fixtures_dir().join("bench-routes"),
            stack: stack.into(),
            adapter: "node".into(),
        }
    }

    /// `key=value,...` (keys `project`, `stack`, `adapter`) over `base`.
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
                _ => return Err(BenchError::BadVariant(spec.into())),
            }
        }
        Ok(out)
    }

    /// `stack · adapter · project-folder-name`.
    pub fn label(&self) -> String {
        let project = build::project_label(&self.project);
        format!("{} · {} · {project}", self.stack, self.adapter)
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

/// A variant built and running.
pub struct Served {
    pub variant: Variant,
    /// The Astro version of the stack.
    pub astro: String,
    pub routes: Vec<ServedRoute>,
    pub server: Server,
}

/// Installs, builds and starts `variant` (its server on `server_cpu`), with the routes of
/// its bench.toml named in `only`.
pub fn serve(
    variant: &Variant,
    runner: &Runner,
    only: &[String],
    server_cpu: Option<usize>,
) -> Result<Served, BenchError> {
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
    let server = Server::start(&launch, profile.ready_timeout())
        .map_err(|e| setup(format!("adapter `{}`: {e}", profile.name)))?;
    let base = server.base_url();
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
        let mut target = Target::parse(&format!("{base}{}", spec.path))?;
        for (name, value) in &spec.headers {
            target = target.with_header(name, value)?;
        }
        routes.push(ServedRoute { spec, mode, target });
    }
    Ok(Served {
        variant: variant.clone(),
        astro: installed.astro_version.to_string(),
        routes,
        server,
    })
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

fn load_route(
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
                "variant", "route", "", "req/s", "p50", "p90", "p99", "p99.9", "max", "MB/s",
                "errors",
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
                ]);
            }
        }
        let mut out = format_table(&rows, &[3, 4, 5, 6, 7, 8, 9, 10]);
        out.push_str(&format!(
            "\n{} connection(s), {:.1} s per route, closed loop.\n",
            self.connections, self.seconds
        ));
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

/// How the A/B comparison is run and judged.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AbSettings {
    /// Pairs of rounds (A then B, B then A, ...).
    pub rounds: usize,
    /// A slowdown beyond this fraction (0.10 = 10%) is flagged when it is confident.
    pub threshold: f64,
    /// Two-sided confidence of the bootstrap interval (e.g. 0.95).
    pub confidence: f64,
    pub resamples: usize,
}

/// What the A/B comparison concludes for one route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// B is slower than A by more than the threshold, with confidence.
    Slower,
    /// B is faster than A by more than the threshold, with confidence.
    Faster,
    /// No change beyond the threshold can be claimed.
    NoChange,
}

/// One route's A/B result. `ratio` is B's req/s over A's in the same round pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AbRoute {
    pub name: String,
    pub mode_a: Option<String>,
    pub mode_b: Option<String>,
    pub a_rps: Vec<f64>,
    pub b_rps: Vec<f64>,
    pub ratios: Vec<f64>,
    pub median_ratio: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub verdict: Verdict,
}

/// The result of `astro-conform bench --ab A B`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AbReport {
    pub a: String,
    pub b: String,
    pub connections: usize,
    pub round_seconds: f64,
    pub settings: AbSettings,
    pub routes: Vec<AbRoute>,
}

/// Alternates rounds between `a` and `b` on each route and judges the paired ratios.
pub fn ab(
    a: &Served,
    b: &Served,
    settings: &Settings,
    ab: &AbSettings,
    progress: &dyn Fn(&str),
) -> Result<AbReport, BenchError> {
    let names = |s: &Served| {
        s.routes
            .iter()
            .map(|r| r.spec.name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    };
    if a.routes
        .iter()
        .map(|r| &r.spec.name)
        .ne(b.routes.iter().map(|r| &r.spec.name))
    {
        return Err(BenchError::RouteSetsDiffer {
            a: names(a),
            b: names(b),
        });
    }
    let measure = |route: &ServedRoute, label: &str, duration| {
        let report = load_route(route, settings, duration)?;
        match untrustworthy(&report) {
            None => Ok(report.requests_per_sec),
            Some(why) => Err(BenchError::Setup(format!(
                "{label} {}: {why}",
                route.spec.name
            ))),
        }
    };
    let (label_a, label_b) = (
        format!("A ({})", a.variant.label()),
        format!("B ({})", b.variant.label()),
    );
    let mut routes = Vec::new();
    for (ra, rb) in a.routes.iter().zip(&b.routes) {
        measure(ra, &label_a, settings.warmup)?;
        measure(rb, &label_b, settings.warmup)?;
        let (mut a_rps, mut b_rps) = (Vec::new(), Vec::new());
        for round in 0..ab.rounds {
            progress(&format!(
                "{}: round {}/{}",
                ra.spec.name,
                round + 1,
                ab.rounds
            ));
            // Alternate who goes first, so drift during a pair does not favour one side.
            if round % 2 == 0 {
                a_rps.push(measure(ra, &label_a, settings.duration)?);
                b_rps.push(measure(rb, &label_b, settings.duration)?);
            } else {
                b_rps.push(measure(rb, &label_b, settings.duration)?);
                a_rps.push(measure(ra, &label_a, settings.duration)?);
            }
        }
        routes.push(judge(&ra.spec.name, ra.mode, rb.mode, a_rps, b_rps, ab));
    }
    Ok(AbReport {
        a: a.variant.label(),
        b: b.variant.label(),
        connections: settings.connections,
        round_seconds: settings.duration.as_secs_f64(),
        settings: ab.clone(),
        routes,
    })
}

/// The median paired ratio, its bootstrap interval and the verdict.
pub fn judge(
    name: &str,
    mode_a: Option<Mode>,
    mode_b: Option<Mode>,
    a_rps: Vec<f64>,
    b_rps: Vec<f64>,
    settings: &AbSettings,
) -> AbRoute {
    let ratios: Vec<f64> = a_rps.iter().zip(&b_rps).map(|(a, b)| b / a).collect();
    let median_ratio = stats::median(&ratios);
    let (ci_low, ci_high) =
        stats::bootstrap_median_ci(&ratios, settings.confidence, settings.resamples, 0x5eed);
    let verdict = if ci_high < 1.0 - settings.threshold {
        Verdict::Slower
    } else if ci_low > 1.0 + settings.threshold {
        Verdict::Faster
    } else {
        Verdict::NoChange
    };
    AbRoute {
        name: name.into(),
        mode_a: mode_a.map(|m| m.symbol().into()),
        mode_b: mode_b.map(|m| m.symbol().into()),
        a_rps,
        b_rps,
        ratios,
        median_ratio,
        ci_low,
        ci_high,
        verdict,
    }
}

impl AbReport {
    /// Routes where B is slower beyond the threshold with confidence.
    pub fn slower(&self) -> Vec<&AbRoute> {
        self.routes
            .iter()
            .filter(|r| r.verdict == Verdict::Slower)
            .collect()
    }

    /// A table: per route, median req/s of each side, the median ratio B/A, its interval
    /// and the verdict.
    pub fn table(&self) -> String {
        let pct = (self.settings.confidence * 100.0).round();
        let mut rows = vec![vec![
            "route".to_string(),
            String::new(),
            "A req/s".into(),
            "B req/s".into(),
            "B/A".into(),
            format!("{pct}% CI"),
            "verdict".into(),
        ]];
        for r in &self.routes {
            let mode = match (&r.mode_a, &r.mode_b) {
                (Some(a), Some(b)) if a == b => a.clone(),
                (a, b) => format!(
                    "{}→{}",
                    a.as_deref().unwrap_or("?"),
                    b.as_deref().unwrap_or("?")
                ),
            };
            rows.push(vec![
                r.name.clone(),
                mode,
                format!("{:.0}", stats::median(&r.a_rps)),
                format!("{:.0}", stats::median(&r.b_rps)),
                format!("{:.3}", r.median_ratio),
                format!("{:.3}–{:.3}", r.ci_low, r.ci_high),
                match r.verdict {
                    Verdict::Slower => {
                        format!("SLOWER (> {:.0}%)", self.settings.threshold * 100.0)
                    }
                    Verdict::Faster => {
                        format!("faster (> {:.0}%)", self.settings.threshold * 100.0)
                    }
                    Verdict::NoChange => "no change beyond threshold".into(),
                },
            ]);
        }
        format!(
            "A = {}\nB = {}\n{} round pair(s) of {:.2} s per route, {} connection(s), alternating A/B.\n\n{}",
            self.a,
            self.b,
            self.settings.rounds,
            self.round_seconds,
            self.connections,
            format_table(&rows, &[2, 3, 4])
        )
    }
}

/// How often each route was judged slower over repeated A/B runs.
pub fn tally(reports: &[AbReport]) -> String {
    let mut out = String::new();
    let Some(first) = reports.first() else {
        return out;
    };
    for (i, route) in first.routes.iter().enumerate() {
        let slower = reports
            .iter()
            .filter(|r| {
                r.routes
                    .get(i)
                    .is_some_and(|x| x.verdict == Verdict::Slower)
            })
            .count();
        let ratios: Vec<f64> = reports
            .iter()
            .filter_map(|r| r.routes.get(i))
            .map(|x| x.median_ratio)
            .collect();
        out.push_str(&format!(
            "{}: judged slower in {slower} of {} run(s); median ratios {}\n",
            route.name,
            reports.len(),
            ratios
                .iter()
                .map(|r| format!("{r:.3}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
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

    fn settings() -> AbSettings {
        AbSettings {
            rounds: 8,
            threshold: 0.10,
            confidence: 0.95,
            resamples: 2000,
        }
    }

    #[test]
    fn a_confident_slowdown_beyond_the_threshold_is_flagged() {
        let a = vec![1000.0, 1010.0, 990.0, 1005.0, 995.0, 1000.0, 1002.0, 998.0];
        let b: Vec<f64> = a.iter().map(|x| x * 0.8).collect();
        let r = judge("x", None, None, a, b, &settings());
        assert_eq!(r.verdict, Verdict::Slower, "{r:?}");
    }

    #[test]
    fn a_slowdown_below_the_threshold_or_without_confidence_is_not() {
        let a = vec![1000.0; 8];
        let small: Vec<f64> = a.iter().map(|x| x * 0.95).collect();
        assert_eq!(
            judge("x", None, None, a.clone(), small, &settings()).verdict,
            Verdict::NoChange
        );
        // Half the rounds 30% slower, half 10% faster: the median is not confidently low.
        let noisy = vec![700.0, 1100.0, 700.0, 1100.0, 700.0, 1100.0, 700.0, 1100.0];
        assert_eq!(
            judge("x", None, None, a, noisy, &settings()).verdict,
            Verdict::NoChange
        );
    }

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
    fn the_tally_counts_slower_verdicts_per_route() {
        let settings = settings();
        let one = |ratio: f64| AbReport {
            a: "a".into(),
            b: "b".into(),
            connections: 1,
            round_seconds: 1.0,
            settings: settings.clone(),
            routes: vec![judge(
                "x",
                None,
                None,
                vec![100.0; 8],
                vec![100.0 * ratio; 8],
                &settings,
            )],
        };
        let text = tally(&[one(0.7), one(1.0), one(0.7)]);
        assert!(text.contains("x: judged slower in 2 of 3 run(s)"), "{text}");
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
