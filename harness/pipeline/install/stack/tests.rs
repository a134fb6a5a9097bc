//! Unit tests of the parent module.

use super::npm::{LockOrigin, npm_hint};
use super::*;

fn v(s: &str) -> semver::Version {
    semver::Version::parse(s).unwrap()
}

#[test]
fn npm_ranges_match_like_npm() {
    let astro5 = "18.20.8 || ^20.3.0 || >=22.0.0";
    assert!(npm_range_matches(astro5, &v("20.20.2")));
    assert!(npm_range_matches(astro5, &v("18.20.8")));
    assert!(!npm_range_matches(astro5, &v("18.20.9")));
    assert!(!npm_range_matches(astro5, &v("19.0.0")));
    assert!(npm_range_matches(">=22.12.0", &v("22.23.3")));
    assert!(!npm_range_matches(">=22.12.0", &v("20.20.2")));
    assert!(npm_range_matches(">=20 <21", &v("20.1.0")));
    assert!(!npm_range_matches(">=20 <21", &v("21.0.0")));
    assert!(npm_range_matches("*", &v("1.0.0")));
    assert!(!npm_range_matches("not a range", &v("1.0.0")));
}

#[test]
fn missing_node_or_npm_is_named() {
    let empty = tempfile::tempdir().unwrap();
    let err = Tools::find(empty.path().as_os_str()).unwrap_err();
    assert!(
        matches!(err, StackError::ToolMissing { tool: "node" }),
        "{err}"
    );
    assert!(err.to_string().contains("install them"), "{err}");

    // node present, npm absent
    let node = Tools::from_env().unwrap().node.binary;
    std::os::unix::fs::symlink(&node, empty.path().join("node")).unwrap();
    let err = Tools::find(empty.path().as_os_str()).unwrap_err();
    assert!(
        matches!(err, StackError::ToolMissing { tool: "npm" }),
        "{err}"
    );
}

#[test]
fn unknown_stack_lists_the_known_ones() {
    let err = find(&crate::paths::stacks_dir(), "astro4").unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("astro4") && msg.contains("astro5, ") && msg.contains("astro7"),
        "{msg}"
    );
}

#[test]
fn npm_hints_name_the_cause() {
    let dir = Path::new("stacks/x");
    let ours = LockOrigin::Ours;
    assert!(npm_hint("npm error code ECONNREFUSED", dir, ours).contains("could not reach"));
    let out_of_sync = "npm error `npm ci` can only install packages when your package.json and package-lock.json are in sync.\n\
        npm error Missing: napi-x@0.1.0 from lock file\nnpm error usage text";
    assert!(npm_hint(out_of_sync, dir, ours).contains("relock"));
    // A user's project is not told about this repository's scripts, but what is missing.
    let theirs = npm_hint(
        out_of_sync,
        Path::new("/somewhere/site"),
        LockOrigin::Project,
    );
    assert!(!theirs.contains("relock"), "{theirs}");
    assert!(
        theirs.contains("(Missing: napi-x@0.1.0 from lock file)"),
        "{theirs}"
    );
    assert!(
        theirs.contains("run `npm install` in the project"),
        "{theirs}"
    );
}

#[test]
fn the_preferred_stack_is_the_default_one_with_the_newest_astro() {
    let dir = tempfile::tempdir().unwrap();
    for (name, astro, default) in [
        ("a5", "5.0.0", true),
        ("a6", "6.0.0", false),
        ("a4", "4.0.0", true),
    ] {
        let stack = dir.path().join(name);
        std::fs::create_dir_all(&stack).unwrap();
        let manifest = format!(
            r#"{{"dependencies": {{"astro": "{astro}"}}, "astro-conform": {{"default": {default}}}}}"#
        );
        std::fs::write(stack.join("package.json"), manifest).unwrap();
        std::fs::write(stack.join("package-lock.json"), "{}").unwrap();
    }
    assert_eq!(preferred(dir.path()).unwrap().name, "a5");
    assert_eq!(
        named_or_preferred(dir.path(), Some("a6")).unwrap().name,
        "a6"
    );
    assert_eq!(
        preferred(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("stacks"))
            .unwrap()
            .name,
        "astro7",
        "the built-in stacks prefer astro7"
    );
}
