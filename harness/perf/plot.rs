//! SVG charts of bench results, written next to their JSON: req/s and latency percentiles
//! per route and variant, and the A/B ratios with their confidence intervals.

use std::fmt::Write;

use crate::perf::ab::{AbReport, AbRoute, Verdict};
use crate::perf::bench::{BenchReport, RouteResult};
use crate::perf::load::micros;

const WIDTH: f64 = 960.0;
const LABEL: f64 = 330.0;
const ROW: f64 = 20.0;
const PALETTE: [&str; 6] = [
    "#3b6fb6", "#d9822b", "#3a9a5b", "#b64a8a", "#7a6bb6", "#8a8a3a",
];

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

struct Svg {
    body: String,
    y: f64,
}

impl Svg {
    fn new() -> Self {
        Self {
            body: String::new(),
            y: 10.0,
        }
    }

    fn text(&mut self, x: f64, y: f64, anchor: &str, class: &str, text: &str) {
        let _ = writeln!(
            self.body,
            r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="{class}">{}</text>"#,
            escape(text)
        );
    }

    fn title(&mut self, text: &str) {
        self.y += 24.0;
        self.text(10.0, self.y, "start", "title", text);
        self.y += 10.0;
    }

    fn line(&mut self, (x1, y1): (f64, f64), (x2, y2): (f64, f64), style: &str) {
        let _ = writeln!(
            self.body,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}" style="{style}"/>"#
        );
    }

    fn finish(self) -> String {
        let height = self.y + 20.0;
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" viewBox=\"0 0 {WIDTH} {height:.0}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <style>.title{{font-size:15px;font-weight:bold}} .small{{font-size:10px;fill:#555}}</style>\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n{}</svg>\n",
            self.body
        )
    }
}

/// req/s as bars and latency p50–p99.9 (log scale) per route and variant.
pub fn bench_svg(report: &BenchReport) -> String {
    let mut svg = Svg::new();
    let rows = bench_rows(report);
    svg.title(&format!(
        "Requests per second ({} connections, {:.0} s per route)",
        report.connections, report.seconds
    ));
    throughput_bars(&mut svg, &rows);
    svg.title("Latency: p50 ● p90 ◆ p99 ▲ p99.9 | (log scale)");
    latency_marks(&mut svg, &rows);
    svg.y += 14.0;
    svg.finish()
}

/// One row of the bench chart: its label, its run's index (the colour) and its result.
type BenchRow<'a> = (String, usize, &'a RouteResult);

/// The rows grouped by route (in first-seen order), one per run that measured it.
fn bench_rows(report: &BenchReport) -> Vec<BenchRow<'_>> {
    let mut names: Vec<&str> = Vec::new();
    for r in report.runs.iter().flat_map(|run| &run.routes) {
        if !names.contains(&r.name.as_str()) {
            names.push(&r.name);
        }
    }
    let mut rows = Vec::new();
    for name in names {
        for (i, run) in report.runs.iter().enumerate() {
            if let Some(r) = run.routes.iter().find(|r| r.name == name) {
                let mode = r.mode.as_deref().unwrap_or("");
                rows.push((format!("{name} {mode} · {}", run.label), i, r));
            }
        }
    }
    rows
}

const PLOT: f64 = WIDTH - LABEL - 90.0;

/// A bar per row, as long as its requests per second.
fn throughput_bars(svg: &mut Svg, rows: &[BenchRow]) {
    let max_rps = rows
        .iter()
        .map(|(_, _, r)| r.load.requests_per_sec)
        .fold(1.0, f64::max);
    for (label, run, r) in rows {
        let y = svg.y;
        svg.text(LABEL - 8.0, y + 14.0, "end", "", label);
        let w = PLOT * r.load.requests_per_sec / max_rps;
        let _ = writeln!(
            svg.body,
            r#"<rect x="{LABEL}" y="{:.1}" width="{w:.1}" height="{:.1}" fill="{}"/>"#,
            y + 3.0,
            ROW - 6.0,
            PALETTE[run % PALETTE.len()]
        );
        svg.text(
            LABEL + w + 6.0,
            y + 14.0,
            "start",
            "",
            &format!("{:.0}", r.load.requests_per_sec),
        );
        svg.y += ROW;
    }
}

/// Per row, the latency percentiles on a shared log axis with decade grid lines.
fn latency_marks(svg: &mut Svg, rows: &[BenchRow]) {
    let values = rows
        .iter()
        .flat_map(|(_, _, r)| [r.load.latency_us.p50, r.load.latency_us.p999]);
    let lo = values.clone().min().unwrap_or(1).max(1) as f64;
    let hi = values.max().unwrap_or(10).max(10) as f64;
    let (lo, hi) = ((lo / 1.5).log10(), (hi * 1.5).log10());
    let x = |us: u64| LABEL + PLOT * ((us.max(1) as f64).log10() - lo) / (hi - lo);
    let top = svg.y;
    let bottom = top + ROW * rows.len() as f64;
    for decade in (lo.ceil() as i32)..=(hi.floor() as i32) {
        let us = 10f64.powi(decade) as u64;
        svg.line((x(us), top), (x(us), bottom), "stroke:#ddd");
        svg.text(x(us), bottom + 12.0, "middle", "small", &micros(us));
    }
    for (label, run, r) in rows {
        let y = svg.y + ROW / 2.0;
        let l = &r.load.latency_us;
        let color = PALETTE[run % PALETTE.len()];
        svg.text(LABEL - 8.0, y + 4.0, "end", "", label);
        svg.line(
            (x(l.p50), y),
            (x(l.p999), y),
            &format!("stroke:{color};stroke-width:2"),
        );
        for (us, mark) in [(l.p50, "●"), (l.p90, "◆"), (l.p99, "▲"), (l.p999, "|")] {
            let _ = writeln!(
                svg.body,
                r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" fill="{color}">{mark}</text>"#,
                x(us),
                y + 4.0
            );
        }
        svg.text(
            x(l.p999) + 10.0,
            y + 4.0,
            "start",
            "small",
            &format!("p99 {}", micros(l.p99)),
        );
        svg.y += ROW;
    }
}

/// Each route's median ratio B/A with its confidence interval, per repeated run, against
/// 1 (no change) and the threshold.
pub fn ab_svg(reports: &[AbReport]) -> String {
    let mut svg = Svg::new();
    let Some(first) = reports.first() else {
        return svg.finish();
    };
    svg.title(&format!(
        "B/A req/s: geometric mean over forks, {:.0}% interval",
        first.settings.confidence * 100.0
    ));
    svg.text(
        10.0,
        svg.y + 6.0,
        "start",
        "small",
        &format!("A = {}   B = {}", first.a, first.b),
    );
    svg.y += 16.0;
    let threshold = 1.0 / (1.0 + first.settings.threshold);
    let all = reports
        .iter()
        .flat_map(|r| r.routes.iter().flat_map(|x| [x.ci_low, x.ci_high, x.ratio]))
        .filter(|v| v.is_finite());
    let lo = all.clone().fold(0.7_f64, f64::min).min(threshold - 0.05);
    let hi = all.fold(1.15_f64, f64::max);
    let plot = WIDTH - LABEL - 40.0;
    let x = |ratio: f64| LABEL + plot * (ratio - lo) / (hi - lo);
    let rows = reports.len() * first.routes.len();
    let (top, bottom) = (svg.y, svg.y + ROW * rows as f64);
    svg.line((x(1.0), top), (x(1.0), bottom), "stroke:#888");
    svg.line(
        (x(threshold), top),
        (x(threshold), bottom),
        "stroke:#c33;stroke-dasharray:4 3",
    );
    for (value, label) in [
        (1.0, "1.0 (no change)".to_string()),
        (threshold, format!("{threshold:.2} (threshold)")),
    ] {
        svg.text(x(value), bottom + 12.0, "middle", "small", &label);
    }
    for (i, route) in first.routes.iter().enumerate() {
        for (run, report) in reports.iter().enumerate() {
            let Some(r) = report.routes.get(i) else {
                continue;
            };
            let label = if reports.len() > 1 {
                format!("{} · run {}", route.name, run + 1)
            } else {
                route.name.clone()
            };
            ratio_row(&mut svg, &label, r, &x);
        }
    }
    svg.y += 14.0;
    svg.finish()
}

/// One route's B/A estimate (a dot) and interval (a line), red when judged slower.
fn ratio_row(svg: &mut Svg, label: &str, r: &AbRoute, x: &dyn Fn(f64) -> f64) {
    let y = svg.y + ROW / 2.0;
    svg.text(LABEL - 8.0, y + 4.0, "end", "", label);
    let color = if r.verdict == Verdict::Slower {
        "#c33"
    } else {
        "#3b6fb6"
    };
    if r.ci_low.is_finite() && r.ci_high.is_finite() {
        svg.line(
            (x(r.ci_low), y),
            (x(r.ci_high), y),
            &format!("stroke:{color};stroke-width:2"),
        );
    }
    let _ = writeln!(
        svg.body,
        r#"<circle cx="{:.1}" cy="{y:.1}" r="4" fill="{color}"/>"#,
        x(r.ratio)
    );
    svg.y += ROW;
}

/// The power curve: per route, the share of comparisons judged slower against the
/// slowdown measured at each injected level, with the targets (≥ 90% at 10%, ≤ 10% for
/// A/A) drawn as dashed lines.
pub fn power_svg(levels: &[crate::perf::power::PowerLevel]) -> String {
    let mut svg = Svg::new();
    svg.title("bench --ab: share of comparisons judged slower, by measured slowdown");
    let rates = crate::perf::power::detection_rates(levels);
    let xs = rates.values().flatten().map(|(s, _)| *s);
    let lo = xs.clone().fold(0.0_f64, f64::min);
    let hi = (xs.fold(0.1_f64, f64::max) / 0.05).ceil() * 0.05;
    let (left, width, top, height) = (70.0, WIDTH - 250.0, svg.y + 10.0, 300.0);
    let x = |s: f64| left + width * (s - lo) / (hi - lo);
    let y = |rate: f64| top + height * (1.0 - rate);
    svg.line((left, y(0.0)), (left + width, y(0.0)), "stroke:#888");
    svg.line((left, y(0.0)), (left, y(1.0)), "stroke:#888");
    let dashed = "stroke:#c33;stroke-dasharray:4 3";
    for rate in [0.1, 0.9] {
        svg.line((left, y(rate)), (left + width, y(rate)), dashed);
    }
    svg.line((x(0.10), y(0.0)), (x(0.10), y(1.0)), dashed);
    for rate in [0.0, 0.1, 0.5, 0.9, 1.0] {
        let label = format!("{:.0}%", rate * 100.0);
        svg.text(left - 6.0, y(rate) + 4.0, "end", "small", &label);
    }
    for tick in (0..=(hi / 0.05).round() as usize).map(|i| i as f64 * 0.05) {
        let label = format!("{:.0}%", tick * 100.0);
        svg.text(x(tick), y(0.0) + 14.0, "middle", "small", &label);
    }
    let caption = "slowdown measured: 1 / median(B/A) − 1 (the leftmost point is A/A)";
    svg.text(left + width / 2.0, y(0.0) + 30.0, "middle", "", caption);
    for (i, (route, points)) in rates.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let path: Vec<String> = points
            .iter()
            .map(|(s, r)| format!("{:.1},{:.1}", x(*s), y(*r)))
            .collect();
        let _ = writeln!(
            svg.body,
            r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
            path.join(" ")
        );
        for (s, r) in points {
            let (cx, cy) = (x(*s), y(*r));
            let _ = writeln!(
                svg.body,
                r#"<circle cx="{cx:.1}" cy="{cy:.1}" r="3.5" fill="{color}"/>"#
            );
        }
        let legend_y = top + 16.0 * i as f64;
        let style = format!("stroke:{color};stroke-width:2");
        svg.line(
            (left + width + 20.0, legend_y),
            (left + width + 40.0, legend_y),
            &style,
        );
        svg.text(left + width + 46.0, legend_y + 4.0, "start", "", route);
    }
    svg.y = y(0.0) + 40.0;
    svg.finish()
}
