//! Every kind of check fails, with a message that says why, against a deliberately wrong
//! expectation or a tampered build: a check that cannot fail would be a defect.

use std::fs;
use std::path::Path;

use astro_conform::paths;
use astro_conform::pipeline::build::{self, Adapter, BuildRequest};
use astro_conform::pipeline::classify;
use astro_conform::pipeline::discover::adapter;
use astro_conform::pipeline::install::stack::{self, Stack, Tools};
use astro_conform::suite::{self, Runner};

use crate::support::write;

const CONFIG: (&str, &str) = ("astro.config.mjs", "export default { output: 'static' };\n");
const ABOUT: (&str, &str) = (
    "src/pages/about.astro",
    "---\nexport const prerender = true;\n---\n<h1>About</h1>\n",
);
const LIVE: (&str, &str) = (
    "src/pages/live.astro",
    "---\nexport const prerender = false;\n---\n<p>{Astro.request.url}</p>\n",
);

fn astro5() -> Stack {
    stack::find(&paths::stacks_dir(), "astro5").unwrap()
}

/// Runs the named trial of the fixtures in `fixtures`, with snapshots in `snapshots`.
fn run_trial(fixtures: &Path, snapshots: &Path, name: &str) -> Result<(), String> {
    let node = std::sync::Arc::new(adapter::find("node").unwrap());
    let trials = suite::trials(&[fixtures.to_path_buf()], &[astro5()], &[node]).unwrap();
    let trial = trials.iter().find(|t| t.name == name).unwrap_or_else(|| {
        panic!(
            "no trial {name} among {:?}",
            trials.iter().map(|t| &t.name).collect::<Vec<_>>()
        )
    });
    Runner::default()
        .with_snapshot_dir(snapshots)
        .run(trial)
        .map_err(|e| e.to_string())
}

#[test]
fn a_wrong_routes_expectation_fails_and_names_both_modes() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let fixture = root.path().join("fixtures/bite-wrong-routes");
    write(
        &fixture,
        &[
            CONFIG,
            ABOUT,
            LIVE,
            ("case.toml", "[routes]\n\"src/pages/live.astro\" = \"▶\"\n"),
        ],
    );
    let snapshots = root.path().join("snapshots");
    write(
        &snapshots,
        &[(
            "astro5__bite-wrong-routes__routes.snap",
            "---\nsource: harness/suite/snapshot.rs\n---\n▶ src/pages/about.astro\n  └─ /about/index.html\nλ src/pages/live.astro\n",
        )],
    );
    let err = run_trial(
        &root.path().join("fixtures"),
        &snapshots,
        "astro5/node/bite-wrong-routes/routes",
    )
    .unwrap_err();
    assert!(
        err.contains("[routes] expects ▶ src/pages/live.astro, but Astro decided λ"),
        "{err}"
    );
    assert!(
        !err.contains("snapshot"),
        "the snapshot matched, only [routes] is wrong: {err}"
    );
}

#[test]
fn a_snapshot_that_differs_fails() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let fixture = root.path().join("fixtures/bite-snapshot");
    write(&fixture, &[CONFIG, ABOUT, LIVE, ("case.toml", "")]);
    let snapshots = root.path().join("snapshots");
    write(
        &snapshots,
        &[
            (
                "astro5__bite-snapshot__routes.snap",
                "---\nsource: harness/suite/snapshot.rs\n---\n▶ src/pages/about.astro\n  └─ /about/index.html\n▶ src/pages/live.astro\n",
            ),
            (
                "astro5__node__bite-snapshot__dist.snap",
                "---\nsource: harness/suite/snapshot.rs\n---\nclient/about/index.html\n",
            ),
        ],
    );
    let fixtures = root.path().join("fixtures");
    for check in ["routes", "dist"] {
        let err = run_trial(
            &fixtures,
            &snapshots,
            &format!("astro5/node/bite-snapshot/{check}"),
        )
        .unwrap_err();
        assert!(err.contains("does not match"), "{check}: {err}");
    }
}

#[test]
fn an_expected_build_error_that_does_not_happen_fails() {
    let _machine = crate::support::shared_machine();
    let root = tempfile::tempdir().unwrap();
    let fixtures = root.path().join("fixtures");
    write(
        &fixtures.join("bite-builds-fine"),
        &[
            CONFIG,
            ABOUT,
            (
                "case.toml",
                "[build]\nexpect_error = \"NoAdapterInstalled\"\n",
            ),
        ],
    );
    write(
        &fixtures.join("bite-other-error"),
        &[
            CONFIG,
            LIVE,
            (
                "case.toml",
                "[build]\nadapter = false\nexpect_error = \"NoAdapterInstalledServerIslands\"\n",
            ),
        ],
    );
    let snapshots = root.path().join("snapshots");
    let err = run_trial(
        &fixtures,
        &snapshots,
        "astro5/node/bite-builds-fine/build-error",
    )
    .unwrap_err();
    assert!(
        err.contains("expected the build to fail with NoAdapterInstalled; the build succeeded"),
        "{err}"
    );
    assert!(
        err.contains("model: the case expects the build to fail with NoAdapterInstalled, the model predicts a successful build"),
        "{err}"
    );
    let err = run_trial(
        &fixtures,
        &snapshots,
        "astro5/none/bite-other-error/build-error",
    )
    .unwrap_err();
    assert!(
        err.contains("expected the build to fail with NoAdapterInstalledServerIslands; the build failed with NoAdapterInstalled"),
        "{err}"
    );
    assert!(err.contains("last lines of the build log"), "{err}");
}

#[test]
fn a_tampered_build_makes_the_cross_check_fail() {
    let _machine = crate::support::shared_machine();
    let project = tempfile::tempdir().unwrap();
    write(project.path(), &[CONFIG, ABOUT, LIVE]);
    let installed = stack::install(&astro5(), &Tools::from_env().unwrap(), &|_| {}).unwrap();
    let mut built = build::build(&BuildRequest {
        label: "bite-tampered",
        project: project.path(),
        stack: &installed,
        adapter: &Adapter::node(),
        use_cache: false,
    })
    .unwrap();
    classify::classify(&built).expect("the untouched build agrees with itself");

    // A prerendered file missing from the disk.
    let about = built.client_dir().unwrap().join("about/index.html");
    let html = fs::read(&about).unwrap();
    fs::remove_file(&about).unwrap();
    let err = classify::classify(&built).unwrap_err().to_string();
    assert!(
        err.contains("route src/pages/about.astro (/about)"),
        "{err}"
    );
    assert!(
        err.contains("files on disk: missing /about/index.html"),
        "{err}"
    );
    fs::write(&about, html).unwrap();

    // An on-demand route that has a file on disk, as if it had been baked.
    let baked = built.client_dir().unwrap().join("live/index.html");
    fs::create_dir_all(baked.parent().unwrap()).unwrap();
    fs::write(&baked, "<p>baked</p>").unwrap();
    let err = classify::classify(&built).unwrap_err().to_string();
    assert!(err.contains("route src/pages/live.astro (/live)"), "{err}");
    assert!(err.contains("files on disk: has /live/index.html"), "{err}");
    fs::remove_file(&baked).unwrap();

    // A build log that does not list a file the probe saw written.
    built.log = built
        .log
        .replace("/about/index.html", "/elsewhere/index.html");
    let err = classify::classify(&built).unwrap_err().to_string();
    assert!(
        err.contains("build log: ▶, wrote /elsewhere/index.html"),
        "{err}"
    );
    assert!(err.contains("file /elsewhere/index.html"), "{err}");
}

#[test]
fn a_route_the_model_mispredicts_fails_and_names_both_modes_and_the_reason() {
    let _machine = crate::support::shared_machine();
    // An integration flips /about to on demand in `astro:route:setup`: Astro follows the
    // hook, the model of the files cannot see it, and the routes check must say so.
    let root = tempfile::tempdir().unwrap();
    let fixture = root.path().join("fixtures/bite-model");
    write(
        &fixture,
        &[
            (
                "astro.config.mjs",
                "const flip = { name: 'flip', hooks: { 'astro:route:setup': ({ route }) => {\n  if (route.component.endsWith('about.astro')) route.prerender = false;\n} } };\nexport default { output: 'static', integrations: [flip] };\n",
            ),
            ABOUT,
            ("case.toml", ""),
        ],
    );
    let snapshots = root.path().join("snapshots");
    write(
        &snapshots,
        &[(
            "astro5__bite-model__routes.snap",
            "---\nsource: harness/suite/snapshot.rs\n---\nλ src/pages/about.astro\n",
        )],
    );
    let err = run_trial(
        &root.path().join("fixtures"),
        &snapshots,
        "astro5/node/bite-model/routes",
    )
    .unwrap_err();
    assert!(
        err.contains(
            "model: Astro decided λ src/pages/about.astro, the model predicted ▶ (flag `true` at line 2)"
        ),
        "{err}"
    );
}
