//! `astro-conform bench --ab` decides, on margins no 2-core machine can miss: a variant of
//! the bench fixture whose on-demand requests cost several times as much CPU is judged
//! slower on its on-demand routes and not on its prerendered one, and A/A (the same build
//! served twice) is not flagged, both at a 50% threshold. A route that does not render
//! successfully fails the bench instead of giving a number.
//!
//! How often the default settings catch a 10% slowdown (and how often A/A is flagged) is a
//! statistical claim, measured by `cargo bench --bench power`, not asserted here.
//!
//! One test, so that nothing else in this binary competes for the cores while it measures.

use std::path::Path;
use std::process::{Command, Output};

use astro_conform::paths;
use astro_conform::perf::power;

fn bench(args: &[&str], out: &Path) -> (Output, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_astro-conform"))
        .arg("bench")
        .args(args)
        .args(["--stack", "astro7", "--json", "--warmup", "1"])
        .arg("--out")
        .arg(out)
        .current_dir(paths::project_root())
        .output()
        .unwrap();
    let json = serde_json::from_slice(&output.stdout).unwrap_or(serde_json::Value::Null);
    (output, json)
}

fn verdicts(json: &serde_json::Value) -> Vec<(String, String)> {
    json[0]["routes"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn explain(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn ab_flags_a_much_slower_render_and_not_a_and_a() {
    let _machine = crate::support::whole_machine();
    let tmp = tempfile::tempdir().unwrap();
    let burn = tmp.path().join("bench-routes-burn");
    power::write_burn_variant(&burn).unwrap();
    let routes = [
        "--route",
        "prerendered",
        "--route",
        "cookie",
        "--route",
        "json",
        "--threshold",
        "50",
        "--max-forks",
        "6",
    ];

    // B's on-demand requests cost 3× the CPU of A's (the same build; only B burns).
    let a = format!("project={}", burn.display());
    let b = format!("{a},env.{}=2", power::BURN_ENV);
    let (output, json) = bench(
        &[&["--ab", &a, &b][..], &routes[..]].concat(),
        &tmp.path().join("slow"),
    );
    assert_eq!(output.status.code(), Some(1), "{}", explain(&output));
    assert_eq!(
        verdicts(&json),
        [
            ("prerendered".into(), "no-change".into()),
            ("cookie".into(), "slower".into()),
            ("json".into(), "slower".into())
        ],
        "{}",
        explain(&output)
    );
    assert!(tmp.path().join("slow/ab.svg").is_file());
    let page = std::fs::read_to_string(tmp.path().join("slow/ab.html")).unwrap();
    assert!(
        page.contains("<svg") && page.contains("ab.json"),
        "the page carries the chart and the data"
    );
    // The trackers' files: B/A per route, the slower routes below 1.
    let bencher: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("slow/ab.bencher.json")).unwrap(),
    )
    .unwrap();
    let cookie = bencher
        .as_object()
        .unwrap()
        .iter()
        .find(|(name, _)| name.ends_with("/cookie"))
        .map(|(_, m)| m["ratio"]["value"].as_f64().unwrap())
        .unwrap();
    assert!(cookie < 1.0, "{bencher}");
    assert!(tmp.path().join("slow/ab.gab-bigger.json").is_file());

    let (output, json) = bench(
        &[&["--ab", "stack=astro7", "stack=astro7"][..], &routes[..]].concat(),
        &tmp.path().join("same"),
    );
    assert_eq!(output.status.code(), Some(0), "{}", explain(&output));
    assert!(
        verdicts(&json).iter().all(|(_, v)| v == "no-change"),
        "{}",
        explain(&output)
    );
}

/// A route that answers 404 gives no number.
#[test]
fn a_route_that_answers_404_is_not_a_render() {
    let _machine = crate::support::shared_machine();
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("bench-routes-broken");
    paths::copy_dir(&paths::fixtures_dir().join("bench-routes"), &broken).unwrap();
    std::fs::write(
        broken.join("bench.toml"),
        "[[route]]\nname = \"missing\"\npath = \"/no/such/page\"\n",
    )
    .unwrap();
    let (output, _) = bench(
        &["--project", broken.to_str().unwrap()],
        &tmp.path().join("broken"),
    );
    assert_eq!(output.status.code(), Some(1), "{}", explain(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("NOT A RENDER") && stderr.contains("status 404"),
        "{}",
        explain(&output)
    );
}
