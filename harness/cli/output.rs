//! What the commands share for the terminal and result files: a spinner, lines printed
//! above a progress bar, duration flags, and writing JSON + SVG results.

use astro_conform::error::IoError;
use std::path::Path;
use std::time::Duration;

use indicatif::ProgressBar;

use astro_conform::perf::baseline;

/// A spinner with `message`, ticking on its own.
pub(crate) fn spinner(message: String) -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_message(message);
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Prints a line above the progress bar, or to stderr when there is no terminal to draw on.
pub(crate) fn println_above(bar: &ProgressBar, line: &str) {
    if bar.is_hidden() {
        eprintln!("{line}");
    } else {
        bar.println(line);
    }
}

/// What a command returns: its exit status, or the error to print and exit with (typed
/// errors of the library pass through `?` with their kind; plain messages are usage errors).
pub(crate) type CliResult<T> = Result<T, crate::exit::CliError>;

/// A positive number of seconds from the flag `flag`.
pub(crate) fn seconds(flag: &str, value: f64) -> CliResult<Duration> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| format!("{flag} must be a positive number of seconds, not {value}").into())
}

/// Writes `<out>/<stem>.json` and `<out>/<stem>.svg`, says so on stderr, and prints the
/// JSON on stdout when asked.
pub(crate) fn write_results(
    out: &Path,
    stem: &str,
    value: &impl serde::Serialize,
    svg: &str,
    print_json: bool,
) -> CliResult<()> {
    let (json_file, svg_file) = (
        out.join(format!("{stem}.json")),
        out.join(format!("{stem}.svg")),
    );
    baseline::write_json(&json_file, value)?;
    std::fs::write(&svg_file, svg)
        .map_err(IoError::doing(format!("writing {}", svg_file.display())))?;
    // The same chart, with the JSON, in one page that needs no other file.
    let html_file = out.join(format!("{stem}.html"));
    let json = serde_json::to_string_pretty(value)?;
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>astro-conform {stem}</title></head>\n<body style=\"font:14px system-ui,sans-serif;margin:2em\"><h1>astro-conform {stem}</h1>\n{svg}\n<details><summary>{stem}.json</summary><pre>{}</pre></details>\n</body></html>\n",
        json.replace('&', "&amp;").replace('<', "&lt;")
    );
    std::fs::write(&html_file, page)
        .map_err(IoError::doing(format!("writing {}", html_file.display())))?;
    if print_json {
        println!("{}", serde_json::to_string_pretty(value)?);
    }
    eprintln!(
        "astro-conform: wrote {}, {} and {}",
        json_file.display(),
        svg_file.display(),
        html_file.display()
    );
    Ok(())
}

/// Writes `<out>/<stem>.<suffix>` for each file a regression tracker reads (Bencher's
/// metric format, github-action-benchmark's JSON) and says so on stderr.
pub(crate) fn write_tracker_files(
    out: &Path,
    stem: &str,
    files: &astro_conform::perf::trackers::TrackerFiles,
) -> CliResult<()> {
    let mut written = Vec::new();
    for (suffix, value) in files {
        let file = out.join(format!("{stem}.{suffix}"));
        baseline::write_json(&file, value)?;
        written.push(file.display().to_string());
    }
    eprintln!("astro-conform: for trackers: {}", written.join(", "));
    Ok(())
}
