//! Adapter profiles end to end: bad profiles, lockfiles, the listing, deviations by
//! behaviour, lacking behaviours and remote (deploy) targets.

use std::fs;
use std::path::{Path, PathBuf};

use crate::support::{astro_conform, text, write};

/// `adapters/node.toml`, edited, written as `dir/mine.toml`.
fn node_profile_edited(dir: &Path, edit: impl Fn(&str) -> String) -> PathBuf {
    let node =
        fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/adapters/node.toml")).unwrap();
    write(dir, &[("mine.toml", &edit(&node))]);
    dir.join("mine.toml")
}

/// `run --adapter PROFILE --stack STACK --report-dir DIR/report FILTER...` with `env`.
fn run_profile(
    profile: &Path,
    stack: &str,
    dir: &Path,
    filters: &[&str],
    env: &[(&str, &str)],
) -> std::process::Output {
    let report = dir.join("report");
    let mut args = vec![
        "run",
        "--adapter",
        profile.to_str().unwrap(),
        "--stack",
        stack,
        "--report-dir",
        report.to_str().unwrap(),
    ];
    args.extend_from_slice(filters);
    astro_conform(&args, env)
}

#[test]
fn a_bad_profile_names_file_line_and_key() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let profile = node_profile_edited(dir.path(), |node| {
        node.replace("[serve]", "[serve]\nport = 1")
    });
    let out = astro_conform(
        &["run", "--adapter", profile.to_str().unwrap(), "--list"],
        &[],
    );
    let (_, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mine.toml:"), "{stderr}");
    assert!(stderr.contains("unknown field `port`"), "{stderr}");
    // The line itself, with a caret under the key.
    assert!(stderr.contains(" | port = 1\n"), "{stderr}");
    assert!(stderr.contains(" | ^"), "{stderr}");
}

#[test]
fn a_profile_without_its_lockfile_says_how_to_make_one() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let profile = node_profile_edited(dir.path(), |node| {
        format!("{node}\n[packages]\nleft-pad = \"1.3.0\"\n")
    });
    let out = run_profile(
        &profile,
        "astro5",
        dir.path(),
        &["blog-static/routes", "server-app/routes"],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("FAIL") && stderr.contains("has no lockfile for stack `astro5`"),
        "{stdout}{stderr}"
    );
    assert!(stderr.contains("astro-conform lock"), "{stderr}");
    for report in ["matrix.json", "junit.xml", "matrix.md"] {
        assert!(dir.path().join("report").join(report).is_file(), "{report}");
    }
}

#[test]
fn adapters_lists_every_profile_with_its_stacks() {
    let _machine = crate::support::shared_machine();
    let out = astro_conform(&["adapters"], &[]);
    let (stdout, _) = text(&out);
    assert_eq!(out.status.code(), Some(0));
    for name in [
        "node ",
        "node-middleware",
        "node-bun",
        "cloudflare",
        "vercel",
        "deno",
        "bun-community",
    ] {
        assert!(stdout.contains(name), "{name} missing:\n{stdout}");
    }
    assert!(stdout.contains("runner: ours"), "{stdout}");
}

#[test]
fn a_profile_deviation_by_behaviour_applies_to_a_fixture_it_never_named() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let fixtures = root.path().join("later");
    write(
        &fixtures.join("custom-404-later"),
        &[
            ("astro.config.mjs", "export default { output: 'static' };\n"),
            ("src/pages/index.astro", "<h1>home</h1>\n"),
            ("src/pages/404.astro", "<h1 class=\"missing\">Gone</h1>\n"),
            (
                "case.toml",
                "[[request]]\nname = \"an unknown path gets the 404 page\"\ntags = [\"not-found-page\"]\npath = \"/nowhere\"\nexpect.status = 404\nexpect.html = [{ select = \"h1.missing\", text = \"Gone\" }]\n",
            ),
        ],
    );
    let out = astro_conform(
        &[
            "run",
            "--fixtures",
            fixtures.to_str().unwrap(),
            "--no-builtin",
            "--stack",
            "astro7",
            "--adapter",
            "node",
            "--adapter",
            "node-middleware",
            "--report-dir",
            root.path().join("report").to_str().unwrap(),
            "/http/",
        ],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    // node renders the page; node-middleware's profile lists `tag:not-found-page`.
    assert!(
        stdout.contains("deviation node-middleware · astro7/custom-404-later/http/an-unknown-path-gets-the-404-page: middleware mode hands unmatched paths"),
        "{stdout}"
    );
    assert!(stdout.contains("node: 1 pass, 0 fail"), "{stdout}");
}

#[test]
fn a_behaviour_the_runtime_lacks_is_not_applicable_not_a_failure() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let profile = node_profile_edited(dir.path(), |node| {
        format!("{node}\n[lacks]\nstreaming = \"this runtime buffers every response\"\n")
    });
    let out = run_profile(
        &profile,
        "astro5",
        dir.path(),
        &["hybrid-static/http/stream"],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(
        stdout.contains("mine lacks `streaming`: this runtime buffers every response"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mine: 0 pass, 0 fail, 0 known deviation, 1 n/a"),
        "{stdout}"
    );
}

/// `harness/tests/adapters/<name>`.
fn test_profile(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("harness/tests/adapters")
        .join(name)
}

#[test]
fn a_deploy_script_target_is_checked_at_the_url_it_printed_then_cleaned_up() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let mark = dir.path().join("cleaned-up");
    let profile = test_profile("deploy-local.toml");
    let out = run_profile(
        &profile,
        "astro5",
        dir.path(),
        &["hybrid-static/http/"],
        &[("CLEANUP_MARK", mark.to_str().unwrap())],
    );
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("deploy-local: 7 pass, 0 fail"), "{stdout}");
    let cleaned = fs::read_to_string(&mark).unwrap_or_default();
    assert!(
        cleaned.starts_with("http://127.0.0.1:"),
        "cleanup did not run: {cleaned:?}"
    );
    assert_eq!(cleaned.lines().count(), 1, "one deployment, one cleanup");
}

#[test]
fn a_deploy_that_prints_no_url_or_fails_says_so_with_its_log() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    for (script, expected) in [
        (
            "echo uploading; echo done",
            "the deploy script printed no URL",
        ),
        ("echo quota exceeded >&2; exit 3", "quota exceeded"),
    ] {
        write(dir.path(), &[("d.sh", script)]);
        let profile = fs::read_to_string(test_profile("deploy-local.toml"))
            .unwrap()
            .replace(
                "command = [\"sh\", \"{profile_dir}/deploy-local.sh\", \"deploy\"]",
                &format!(
                    "command = [\"sh\", \"{}\"]",
                    dir.path().join("d.sh").display()
                ),
            );
        write(dir.path(), &[("broken-deploy.toml", &profile)]);
        let out = run_profile(
            &dir.path().join("broken-deploy.toml"),
            "astro5",
            dir.path(),
            &["hybrid-static/http/about"],
            &[("CLEANUP_MARK", "/dev/null")],
        );
        let (stdout, stderr) = text(&out);
        assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
        assert!(stderr.contains(expected), "{expected}: {stderr}");
    }
}

#[test]
fn a_mutants_failure_is_annotated_on_the_case_line_that_asked_for_it() {
    let _machine = crate::support::shared_machine();
    let dir = tempfile::tempdir().unwrap();
    let mutant = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("harness/tests/adapters/front-redirect-200.toml");
    let out = run_profile(
        &mutant,
        "astro7",
        dir.path(),
        &["--annotations", "server-app/http/account-without"],
        &[],
    );
    let (stdout, stderr) = text(&out);
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    // The [[request]] header just above the request's name.
    let case = std::fs::read_to_string("fixtures/server-app/case.toml").unwrap();
    let name_line = case
        .lines()
        .position(|l| l == "name = \"account without a session redirects home\"")
        .unwrap();
    let expected = format!(
        "::error file=fixtures/server-app/case.toml,line={name_line},col=1,title=front-redirect-200 · astro7/server-app/http/account-without-a-session-redirects-home (request `account without a session redirects home`)::GET /account: status: expected 302"
    );
    assert!(stdout.contains(&expected), "{expected}\n{stdout}");
    assert!(
        stderr.contains(&format!("case.toml:{name_line}:1: request `account")),
        "{stderr}"
    );
    // matrix.json carries the place and each failed expectation as fields.
    let matrix: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("report/matrix.json")).unwrap(),
    )
    .unwrap();
    let cell = &matrix["rows"]["astro7/server-app/http/account-without-a-session-redirects-home"]["front-redirect-200"];
    assert_eq!(cell["source"]["file"], "fixtures/server-app/case.toml");
    assert_eq!(cell["source"]["line"], name_line);
    let status = &cell["mismatches"][0];
    assert_eq!(
        (
            &status["expectation"],
            &status["expected"],
            &status["actual"]
        ),
        (&"status".into(), &"302".into(), &"200 OK".into()),
        "{cell}"
    );
    // The adapter (node behind the front) claims on-demand output, and the run shows the
    // claim failing its check, in the terminal and in matrix.json.
    assert!(
        stdout.contains("front-redirect-200 on astro7 declares:\n  serverOutput stable: CLAIMED BUT FAILS: 0 pass, 1 FAIL of 1 checks"),
        "{stdout}"
    );
    let claims = matrix["claims"].as_array().unwrap();
    let server = claims
        .iter()
        .find(|c| c["feature"] == "serverOutput")
        .unwrap();
    assert_eq!(
        (&server["claimed"], &server["fail"]),
        (&true.into(), &1.into()),
        "{server}"
    );
}
