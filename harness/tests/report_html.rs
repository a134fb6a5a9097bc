//! The HTML report of a real run, opened in headless Chromium (Debian's `chromium`): the
//! page's own script counts the cells, and the counts must be the run's.

use std::path::Path;
use std::process::Command;

use crate::support::{astro_conform, text};

/// The DOM of `page` after its scripts ran, as headless Chromium serializes it.
fn rendered(page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.path().display()),
            "--dump-dom",
            &format!("file://{}", page.display()),
        ])
        .output()
        .expect("chromium runs (apt-get install chromium; .ci/run installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_html_report_renders_the_matrix_of_a_run() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report");
    let front = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("harness/tests/adapters/front-redirect-200.toml");
    let out = astro_conform(
        &[
            "run",
            "--adapter",
            "node",
            "--adapter",
            front.to_str().unwrap(),
            "--stack",
            "astro7",
            "--report-dir",
            report.to_str().unwrap(),
            "cookies-status/http/",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the front fails redirects: {stdout}{stderr}"
    );
    let total = |what: &str| -> usize {
        stdout
            .lines()
            .filter(|l| l.starts_with("node:") || l.starts_with("front-redirect-200:"))
            .map(|l| {
                let at = l.find(what).unwrap();
                let number = l[..at].trim_end().rsplit([' ', ':']).next().unwrap();
                number.parse::<usize>().unwrap()
            })
            .sum()
    };
    let expected = format!(
        "{} pass, {} fail, {} known deviation, {} n/a",
        total(" pass"),
        total(" fail"),
        total(" known deviation"),
        total(" n/a")
    );
    let dom = rendered(&report.join("matrix.html"));
    assert!(
        dom.contains(&format!("<p id=\"summary\">{expected}</p>")),
        "{expected}\n{dom}"
    );
    assert!(total(" fail") > 0);
    // Each failure carries its whole message: what was expected and what came back.
    assert!(dom.contains("<details class=\"failure\">"), "{dom}");
    assert!(dom.contains("status: expected 302, got 200 OK"), "{dom}");
}
