//! `astro-conform bench --ab` decides: a variant of the bench fixture whose middleware makes
//! each on-demand request ~25% slower is judged slower on its on-demand routes and not on
//! its prerendered one, and A/A (the same build served twice) is not flagged. Also: a route
//! that does not render successfully fails the bench instead of giving a number.
//!
//! One test, so that nothing else in this binary competes for the cores while it measures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use astro_conform::paths;

fn bench(args: &[&str], out: &Path) -> (Output, serde_json::Value) {
    let output = Command::new(env!("CARGO_BIN_EXE_astro-conform"))
        .arg("bench")
        .args(args)
        .args(["--stack", "astro7", "--json", "--warmup", "2", "-d", "0.25"])
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

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().flatten() {
        let dest = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
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
fn ab_flags_a_slower_render_and_not_a_and_a() {
    let tmp = tempfile::tempdir().unwrap();
    let fixture = paths::fixtures_dir().join("bench-routes");
    let slow: PathBuf = tmp.path().join("bench-routes-slow");
    copy_dir(&fixture, &slow);
    std::fs::copy(
        paths::project_root().join("harness/tests/variants/burn-middleware.ts"),
        slow.join("src/middleware.ts"),
    )
    .unwrap();
    let routes = [
        "--route",
        "prerendered",
        "--route",
        "cookie",
        "--route",
        "json",
        "--rounds",
        "30",
    ];

    let a = format!("project={}", fixture.display());
    let b = format!("project={}", slow.display());
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

    // A route that answers 404 gives no number.
    let broken = tmp.path().join("bench-routes-broken");
    copy_dir(&fixture, &broken);
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
