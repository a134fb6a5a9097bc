//! Unit tests of the parent module.

use super::*;
use crate::astro::{Mode, Origin, RouteType};
use crate::pipeline::classify::{Classification, Route};
use crate::pipeline::model::{Kind, Predicted, Prediction};

fn predicted(source: &str, mode: Mode, file: Option<&str>) -> Predicted {
    Predicted {
        source: source.into(),
        pattern: "/x".into(),
        kind: Kind::Page,
        mode,
        why: "flag `true` at line 2".into(),
        file: file.map(str::to_string),
    }
}

fn actual(source: &str, mode: Mode, files: &[&str]) -> Route {
    Route {
        source: source.into(),
        pattern: "/x".into(),
        kind: RouteType::Page,
        origin: Origin::Project,
        mode,
        files: files.iter().map(|f| f.to_string()).collect(),
    }
}

#[test]
fn every_kind_of_model_mismatch_is_reported() {
    let prediction = Prediction {
        output: crate::astro::Output::Static,
        adapter: true,
        routes: vec![
            predicted(
                "src/pages/a.astro",
                Mode::Prerendered,
                Some("/a/index.html"),
            ),
            predicted(
                "src/pages/b.astro",
                Mode::Prerendered,
                Some("/b/index.html"),
            ),
            predicted("src/pages/gone.astro", Mode::OnDemand, None),
        ],
        redirects: Vec::new(),
        build_error: Some(crate::astro::AstroError::NoAdapterInstalled),
        lints: Vec::new(),
    };
    let classification = Classification {
        routes: vec![
            actual("src/pages/a.astro", Mode::OnDemand, &[]),
            actual("src/pages/b.astro", Mode::Prerendered, &["/b.html"]),
            actual("src/pages/extra.astro", Mode::OnDemand, &[]),
        ],
        ..Classification::default()
    };
    let found = model_mismatches(&prediction, &classification)
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n");
    for line in [
        "model: the build succeeded, but the model predicted it fails with NoAdapterInstalled",
        "model: Astro decided λ src/pages/a.astro, the model predicted ▶ (flag `true` at line 2)",
        "model: src/pages/b.astro should write /b/index.html, Astro wrote [\"/b.html\"]",
        "model: predicts λ src/pages/gone.astro, but Astro reported no such route",
        "model: Astro routed λ src/pages/extra.astro (/x), which the model does not see as a route",
    ] {
        assert!(found.contains(line), "missing {line:?} in:\n{found}");
    }
    let agreeing = Prediction {
        build_error: None,
        routes: vec![predicted(
            "src/pages/b.astro",
            Mode::Prerendered,
            Some("/b.html"),
        )],
        ..prediction
    };
    let same = Classification {
        routes: vec![actual("src/pages/b.astro", Mode::Prerendered, &["/b.html"])],
        ..Classification::default()
    };
    assert!(model_mismatches(&agreeing, &same).is_empty());
}
