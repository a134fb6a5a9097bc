//! Proof that the matrix tells the truth: mutant adapters, each the node adapter behind a
//! deliberately broken front (or built with a broken hook), run through the whole suite.
//! The unbroken node profile and a faithful front must pass every check; each mutant must
//! fail exactly the checks that depend on what it breaks, judged from the case files, and
//! nothing else. Runs on astro7 (the fronts share the node builds).

use std::collections::BTreeSet;
use std::sync::Arc;

use astro_conform::astro::Mode;
use astro_conform::paths;
use astro_conform::pipeline::discover::adapter::{self, Profile};
use astro_conform::pipeline::discover::request::{Method, RequestCase, Tag};
use astro_conform::pipeline::install::stack;
use astro_conform::pipeline::model;
use astro_conform::report::{Matrix, Status};
use astro_conform::suite::{self, Check, Runner, Trial, Work};

/// Does `mutant` break `trial`? Decided from what the case expects, not from a run.
fn breaks(mutant: &str, trial: &Trial) -> bool {
    let Work::Check { fixture, check, .. } = &trial.work else {
        return false;
    };
    let request = |i: usize| -> &RequestCase { fixture.case.requests[i].get_ref() };
    match (mutant, *check) {
        ("prerender-on-demand", Check::Routes) => {
            // Every ▶ route the model predicts turns λ.
            let project = model::Project::read(&fixture.dir).unwrap();
            model::predict(&project, Some(true))
                .routes
                .iter()
                .any(|r| r.mode == Mode::Prerendered)
        }
        ("prerender-on-demand", Check::Http(i)) => {
            // No file is built once any more; unlisted paths render; a 404 rendered on
            // demand runs middleware.
            let r = request(i);
            let e = &r.expect;
            e.built_file.is_some()
                || (e.varies == Some(false) && !r.behaviours().contains(&Tag::RouteCache))
                || r.behaviours().contains(&Tag::UnlistedStaticPath)
                || r.behaviours().contains(&Tag::Prerendered404SkipsMiddleware)
                || r.behaviours().contains(&Tag::RewriteToPrerendered)
        }
        ("front-buffer-stream", Check::Http(i)) => {
            let e = &request(i).expect;
            // One piece still satisfies `chunks.max`; only a `min` of 2 or more breaks.
            let pieces = e
                .chunks
                .as_ref()
                .and_then(|c| c.min)
                .is_some_and(|m| m >= 2);
            e.stream.is_some() || e.complete == Some(false) || pieces
        }
        ("front-merge-cookies", Check::Http(i)) => {
            let e = &request(i).expect;
            e.cookie_count.is_some_and(|n| n >= 2)
                || e.cookies.len() >= 2
                || e.set_cookie.as_ref().is_some_and(|lines| lines.len() >= 2)
        }
        ("front-redirect-200", Check::Http(i)) => {
            // A followed redirect now ends at the front's empty 200 (every request that
            // follows redirects in the fixtures meets one).
            let r = request(i);
            let e = &r.expect;
            e.status.is_some_and(|s| (300..400).contains(&s))
                || e.location.is_some()
                || r.follow_redirects
        }
        ("front-head-405", Check::Http(i)) => request(i).method == Method::Head,
        ("front-drop-query", Check::Http(i)) => request(i).behaviours().contains(&Tag::Query),
        ("front-drop-body", Check::Http(i)) => request(i).behaviours().contains(&Tag::RequestBody),
        ("front-method-get", Check::Http(i)) => {
            ![Method::Get, Method::Head].contains(&request(i).method)
        }
        ("front-drop-cookies", Check::Http(i)) => {
            request(i).behaviours().contains(&Tag::RequestCookie)
        }
        ("front-first-cookie", Check::Http(i)) => {
            request(i).behaviours().contains(&Tag::SeveralCookies)
        }
        ("front-first-query-value", Check::Http(i)) => {
            request(i).behaviours().contains(&Tag::RepeatedQuery)
        }
        ("front-location-drop-query", Check::Http(i)) => {
            let r = request(i);
            r.expect.location.as_ref().is_some_and(|l| l.contains('?'))
                || r.behaviours().contains(&Tag::RedirectQuery)
        }
        ("front-actions-404", Check::Http(i)) => request(i).behaviours().contains(&Tag::Action),
        ("front-drop-session-cookie", Check::Http(i)) => {
            // The session cookie set by a redirect is carried along a followed chain.
            let r = request(i);
            r.follow_redirects && r.behaviours().contains(&Tag::Session)
        }
        ("front-hide-client", Check::Http(i)) => {
            request(i).behaviours().contains(&Tag::ClientAddress)
        }
        ("front-drop-forwarded", Check::Http(i)) => {
            request(i).behaviours().contains(&Tag::Forwarded)
        }
        ("cache-off", Check::Http(i)) => {
            // Nothing is cached: two requests of a cached page get two renders, and a
            // purge throws (no provider to purge).
            let r = request(i);
            r.behaviours().contains(&Tag::RouteCache) && r.expect.varies.is_some()
        }
        ("front-drop-csp", Check::Http(i)) => {
            // What reads the policy header; a prerendered page's policy is in its file here
            // (the mutants' adapter serves no static headers).
            let e = &request(i).expect;
            let header = "content-security-policy";
            e.header_contains.contains_key(header) || e.headers.contains_key(header)
        }
        ("serve-no-env", Check::Http(i)) => request(i).behaviours().contains(&Tag::EnvSecret),
        ("front-files-404", Check::Http(i)) => request(i).behaviours().contains(&Tag::LinkedFiles),
        ("rewrite-as-redirect", Check::Http(i)) => request(i).behaviours().contains(&Tag::Rewrite),
        ("front-error-200", Check::Http(i)) => request(i).expect.status.is_some_and(|s| s >= 500),
        ("front-trailing-slash-404", Check::Http(i)) => {
            let r = request(i);
            let path = r
                .path
                .as_deref()
                .or(r.path_from.as_ref().map(|f| f.page.as_str()))
                .unwrap_or_default();
            let path = path.split('?').next().unwrap_or_default();
            path.len() > 1 && path.ends_with('/')
        }
        _ => false,
    }
}

fn mutant(name: &str) -> Arc<Profile> {
    let file = paths::project_root().join(format!("harness/tests/adapters/{name}.toml"));
    Arc::new(Profile::load(&file).unwrap())
}

/// The rows where `name`'s column fails and the mutant does not break the check, or the
/// other way round.
fn wrong_cells(name: &str, trials: &[Trial], matrix: &Matrix) -> Vec<String> {
    let expected: BTreeSet<&str> = trials
        .iter()
        .filter(|t| t.adapter.name() == Some(name) && t.skipped.is_none() && breaks(name, t))
        .map(|t| t.row.as_str())
        .collect();
    let failed: BTreeSet<&str> = matrix
        .rows
        .iter()
        .filter(|(_, cells)| cells.get(name).is_some_and(|c| c.status == Status::Fail))
        .map(|(row, _)| row.as_str())
        .collect();
    if ["front-passthrough", "node"].contains(&name) {
        assert!(expected.is_empty());
    } else {
        assert!(
            !expected.is_empty(),
            "{name} breaks nothing in the fixtures"
        );
    }
    let mut problems = Vec::new();
    for row in expected.difference(&failed) {
        problems.push(format!("{name}: {row} should fail but did not"));
    }
    for row in failed.difference(&expected) {
        let reason = &matrix.rows[*row][name].reason;
        problems.push(format!(
            "{name}: {row} failed but should not: {}",
            reason.as_deref().unwrap_or_default()
        ));
    }
    problems
}

#[test]
fn each_mutant_fails_exactly_the_checks_it_breaks() {
    let _machine = crate::support::shared_machine();
    let mutants = [
        "front-passthrough",
        "front-buffer-stream",
        "front-merge-cookies",
        "front-redirect-200",
        "front-trailing-slash-404",
        "front-head-405",
        "front-error-200",
        "front-drop-query",
        "front-drop-body",
        "front-drop-cookies",
        "front-method-get",
        "front-first-cookie",
        "front-first-query-value",
        "front-location-drop-query",
        "front-files-404",
        "front-hide-client",
        "front-actions-404",
        "front-drop-session-cookie",
        "front-drop-forwarded",
        "front-drop-csp",
        "prerender-on-demand",
        "rewrite-as-redirect",
        "cache-off",
        "serve-no-env",
    ];
    let mut profiles = vec![Arc::new(adapter::find("node").unwrap())];
    profiles.extend(mutants.iter().map(|m| mutant(m)));
    let astro7 = stack::find(&paths::stacks_dir(), "astro7").unwrap();
    let trials = suite::trials(&[paths::fixtures_dir()], &[astro7], &profiles).unwrap();
    // The mutants fail snapshot checks on purpose: compare against a copy, so the
    // `.snap.new` files insta writes outside CI land there and not in snapshots/.
    let snapshots = tempfile::tempdir().unwrap();
    paths::copy_dir(&paths::snapshots_dir(), snapshots.path()).unwrap();
    let runner = Runner::with_progress(|m| eprintln!("astro-conform: {m}"))
        .with_snapshot_dir(snapshots.path());
    runner.plan(&trials);
    // Two workers, like `run -j 2`; the trials of one build share its server.
    let (a, b) = trials.split_at(trials.len() / 2);
    let run = |part: &[Trial]| part.iter().map(|t| runner.judge(t)).collect::<Vec<_>>();
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let second = scope.spawn(|| run(b));
        let mut out = run(a);
        out.extend(second.join().unwrap());
        out
    });
    let pairs: Vec<_> = trials.iter().zip(outcomes.iter()).collect();
    let used: Vec<&Profile> = profiles.iter().map(|p| p.as_ref()).collect();
    let matrix = Matrix::new(&used, &pairs);
    // Each server stopped after the last trial that needed it: one per worker, plus the
    // one whose trials straddle the split (the first worker reaches them only at its end),
    // for every profile × fixture of the matrix.
    let usage = runner.usage();
    assert!(usage.servers <= 3, "{usage}");

    let problems: Vec<String> = std::iter::once("node")
        .chain(mutants)
        .flat_map(|name| wrong_cells(name, &trials, &matrix))
        .collect();
    assert!(
        problems.is_empty(),
        "{}\n\nmatrix:\n{}",
        problems.join("\n"),
        matrix.text()
    );
    // The report names the runner of the fronts as ours.
    assert!(matrix.markdown().contains(
        "front-buffer-stream** (@astrojs/node standalone behind a buffer-stream front): "
    ));
}

#[test]
fn a_listed_deviation_is_judged_both_ways() {
    let _machine = crate::support::shared_machine();
    // The node profile, listing one check that fails (a mutant's) and one that passes.
    let node = std::fs::read_to_string(paths::project_root().join("adapters/node.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let front = std::fs::read_to_string(
        paths::project_root().join("harness/tests/adapters/front-redirect-200.toml"),
    )
    .unwrap()
    .replace(
        "{profile_dir}",
        &paths::project_root()
            .join("harness/tests/adapters")
            .to_string_lossy(),
    );
    let deviations =
        "\n[deviations]\n\"astro7/server-app/http/account-without-*\" = \"answers 200\"\n";
    std::fs::write(
        dir.path().join("front.toml"),
        format!("{front}{deviations}"),
    )
    .unwrap();
    std::fs::write(dir.path().join("node.toml"), format!("{node}{deviations}")).unwrap();
    let profiles: Vec<Arc<Profile>> = ["front", "node"]
        .iter()
        .map(|n| Arc::new(Profile::load(&dir.path().join(format!("{n}.toml"))).unwrap()))
        .collect();
    let astro7 = stack::find(&paths::stacks_dir(), "astro7").unwrap();
    let trials = suite::trials(&[paths::fixtures_dir()], &[astro7], &profiles).unwrap();
    let runner = Runner::default();
    let judge = |adapter: &str| {
        let name =
            format!("astro7/{adapter}/server-app/http/account-without-a-session-redirects-home");
        runner.judge(trials.iter().find(|t| t.name == name).unwrap())
    };
    match judge("front") {
        suite::Outcome::Deviation { reason, detail } => {
            assert_eq!(reason, "answers 200");
            assert!(detail.contains("status: expected 302"), "{detail}");
        }
        other => panic!("expected a known deviation, got {other:?}"),
    }
    match judge("node") {
        suite::Outcome::StaleDeviation(message) => {
            assert!(message.contains("but the check passed"), "{message}")
        }
        other => panic!("expected a stale deviation, got {other:?}"),
    }
}
