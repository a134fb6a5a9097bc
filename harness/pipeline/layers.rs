//! The stages are layered in flow order: a test reads every source file of a stage and
//! fails on a path into a later stage.

use std::path::Path;

/// The stages, in the order data flows through them.
const ORDER: [&str; 8] = [
    "discover", "install", "build", "classify", "model", "serve", "request", "session",
];

/// The stages a source text names by path (`pipeline::build`, `pipeline::{build, serve}`).
fn stages_named(text: &str) -> Vec<&'static str> {
    let mut named = Vec::new();
    for (at, _) in text.match_indices("pipeline::") {
        let rest = &text[at + "pipeline::".len()..];
        let group = match rest.strip_prefix('{') {
            Some(inner) => &inner[..inner.find('}').unwrap_or(inner.len())],
            None => rest,
        };
        for word in group.split(|c: char| !c.is_alphanumeric() && c != '_') {
            if let Some(stage) = ORDER.iter().find(|s| **s == word) {
                named.push(*stage);
            }
            if rest.starts_with(word) && !rest.starts_with('{') {
                break;
            }
        }
    }
    named
}

#[test]
fn no_stage_imports_a_later_stage() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("harness/pipeline");
    let mut wrong = Vec::new();
    for entry in walkdir::WalkDir::new(&root) {
        let entry = entry.unwrap();
        let path = entry.path();
        let Ok(relative) = path.strip_prefix(&root) else {
            continue;
        };
        let first = relative.components().next();
        let stage = first.map(|c| {
            c.as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string()
        });
        let Some(rank) = stage.and_then(|s| ORDER.iter().position(|o| *o == s)) else {
            continue;
        };
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(path).unwrap();
        for named in stages_named(&text) {
            let named_rank = ORDER.iter().position(|o| *o == named).unwrap_or(0);
            if named_rank > rank {
                wrong.push(format!("{} names pipeline::{named}", relative.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "a stage imports a later one:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn paths_into_stages_are_found_alone_and_in_groups() {
    assert_eq!(
        stages_named("use crate::pipeline::build::Build;"),
        ["build"]
    );
    assert_eq!(
        stages_named("use crate::pipeline::{serve, request::http};"),
        ["serve", "request"]
    );
    assert_eq!(
        stages_named("use crate::pipeline::discover::request::Tag;"),
        ["discover"]
    );
}
