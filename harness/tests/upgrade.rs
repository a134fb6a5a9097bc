//! `astro-conform upgrade`: an astro 5 site beside itself on astro 7, in one report.

use std::path::Path;

use crate::support::{astro_conform, text};

/// A copy of `harness/tests/upgrade-site` (astro 5.18.2; its lockfile installed into the
/// cache with `--install`).
fn site(root: &Path) -> std::path::PathBuf {
    let to = root.join("upgrade-site");
    let from = Path::new(env!("CARGO_MANIFEST_DIR")).join("harness/tests/upgrade-site");
    astro_conform::paths::copy_dir(&from, &to).unwrap();
    to
}

#[test]
fn upgrade_to_astro7_reports_listing_responses_checks_and_speed_and_fails_on_a_broken_check() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let site = site(root.path());
    let reports = root.path().join("report");
    let (dir, report_dir) = (site.to_str().unwrap(), reports.to_str().unwrap());
    let args = [
        "upgrade",
        dir,
        "--to",
        "7.3.5",
        "--install",
        "--report-dir",
        report_dir,
    ];
    let out = astro_conform(&[&args[..], &["--max-forks", "1"]].concat(), &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    for said in [
        "## Upgrade of upgrade-site: astro 5.18.2 → 7.3.5",
        "| `@astrojs/node` | 9.5.5 | 11.1.6 | peerDependencies.astro ^",
        // astro 7 injects an on-demand 404 page: listed, not a failure.
        "| `(internal page: /404)` (injected) | (none) | λ |  |  |",
        // astro 7 builds the request URL from the real host: the localhost Origin is refused.
        "- `POST /subscribe from localhost`\n  - status: `200` → `403`",
        "- ❌ `http/post-subscribe-from-localhost` passed before, fails now",
        "B = astro 7.3.5 · node · upgrade-site",
        "- check http/post-subscribe-from-localhost passed before and fails now",
    ] {
        assert!(stdout.contains(said), "{said:?} in:\n{stdout}{stderr}");
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("upgrade.json")).unwrap())
            .unwrap();
    assert_eq!(json["to"]["astro"], "7.3.5");
    assert_eq!(
        json["checks"]["now_failing"][0][0],
        "http/post-subscribe-from-localhost"
    );
    assert!(json["speed"]["routes"][0]["name"] == "/subscribe", "{json}");
    let markdown = std::fs::read_to_string(reports.join("upgrade.md")).unwrap();
    assert!(
        stdout.starts_with(&markdown),
        "the terminal shows the Markdown"
    );
    assert!(reports.join("upgrade.html").is_file());

    // Without the request that astro 7 refuses, nothing changed for the worse: exit 0.
    let case = site.join("astro-conform.toml");
    let text_of_case = std::fs::read_to_string(&case).unwrap();
    let kept = &text_of_case[..text_of_case.find("# A form posted").unwrap()];
    std::fs::write(&case, kept).unwrap();
    let out = astro_conform(&[&args[..], &["--no-bench"]].concat(), &[]);
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("No route changed mode, no check broke"),
        "{stdout}"
    );
}
