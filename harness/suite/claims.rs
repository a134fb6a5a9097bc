//! An adapter's own claims, checked: what it declares to Astro through `setAdapter()`
//! (`supportedAstroFeatures`, `adapterFeatures`, read by the probe), each tied to the checks
//! of the run that exercise it, so a claim whose checks fail is reported as such.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::astro::Output;
use crate::pipeline::build::AdapterDeclares;
use crate::pipeline::discover::request::Tag;
use crate::pipeline::model;

use super::plan::{Check, Outcome, Status, Trial, Work};

/// What each adapter declared on each stack: (profile name, stack name) → declaration.
pub type Declarations = BTreeMap<(String, String), AdapterDeclares>;

/// One declared feature of one adapter on one stack, and the checks of the run that
/// exercise it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRow {
    pub adapter: String,
    pub stack: String,
    /// The feature's name as Astro spells it, e.g. `serverOutput`.
    pub feature: String,
    /// What the adapter wrote for it: a support level, a flag or a mode.
    pub declared: String,
    /// True when the declaration says the feature works (a support level other than
    /// `unsupported`, or `true`); a mode such as `buildOutput` is not a claim.
    pub claimed: bool,
    /// The checks that exercise it: how many passed, failed and deviated as the profile
    /// lists.
    pub pass: usize,
    pub fail: usize,
    pub deviation: usize,
}

impl ClaimRow {
    /// The checks that exercise the feature.
    pub fn checks(&self) -> usize {
        self.pass + self.fail + self.deviation
    }

    /// True when the adapter claims the feature and a check that exercises it failed.
    pub fn broken(&self) -> bool {
        self.claimed && self.fail > 0
    }

    /// The verdict in words.
    pub fn verdict(&self) -> String {
        let checks = self.checks();
        if checks == 0 {
            return match self.claimed {
                true => "claimed; no check of this run exercises it".into(),
                false => "no check of this run exercises it".into(),
            };
        }
        let mut parts = vec![format!("{} pass", self.pass)];
        if self.fail > 0 {
            parts.push(format!("{} FAIL", self.fail));
        }
        if self.deviation > 0 {
            parts.push(format!("{} known deviation", self.deviation));
        }
        let tally = format!("{} of {checks} checks", parts.join(", "));
        match (self.claimed, self.broken()) {
            (true, true) => format!("CLAIMED BUT FAILS: {tally}"),
            (true, false) => format!("claimed: {tally}"),
            (false, _) => tally,
        }
    }
}

/// Which checks exercise a declared feature.
enum Exercise {
    /// Every request to a fixture whose config has this `output`.
    Output(Output),
    /// Every request with one of these behaviours.
    Tags(&'static [Tag]),
    /// No fixture exercises it yet.
    Nothing,
}

fn exercised_by(feature: &str) -> Exercise {
    match feature {
        "serverOutput" => Exercise::Output(Output::Server),
        // Output static with an adapter: the routes that opt out render on demand.
        "hybridOutput" => Exercise::Output(Output::Static),
        "staticOutput" => Exercise::Tags(&[Tag::PrerenderedPage]),
        // Secrets read at run time through the adapter's `setGetEnv`.
        "envGetSecret" => Exercise::Tags(&[Tag::EnvSecret]),
        // A prerendered page's headers (its policy among them) served from the build.
        "staticHeaders" => Exercise::Tags(&[Tag::StaticHeaders, Tag::Csp]),
        "middlewareMode" | "edgeMiddleware" => {
            Exercise::Tags(&[Tag::MiddlewareOn404, Tag::Prerendered404SkipsMiddleware])
        }
        _ => Exercise::Nothing,
    }
}

/// A declared value as a reader says it: a level, an object's `support`, a flag, a mode.
fn declared_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o
            .get("support")
            .and_then(|s| s.as_str())
            .map_or_else(|| value.to_string(), str::to_string),
        other => other.to_string(),
    }
}

/// True when `declared` says the feature works; modes (`buildOutput`, `middlewareMode`)
/// are not claims of support.
fn is_claim(feature: &str, declared: &str) -> bool {
    match feature {
        "buildOutput" | "middlewareMode" => false,
        _ => !matches!(declared, "unsupported" | "false" | "null"),
    }
}

/// Every declared feature of every adapter and stack, with the checks of `results` that
/// exercise it.
pub fn tie_claims(declarations: &Declarations, results: &[(&Trial, &Outcome)]) -> Vec<ClaimRow> {
    let mut outputs: BTreeMap<PathBuf, Option<Output>> = BTreeMap::new();
    let mut rows = Vec::new();
    for ((adapter, stack), declares) in declarations {
        let features = declares
            .supported_astro_features
            .iter()
            .chain(&declares.adapter_features);
        for (feature, value) in features {
            let declared = declared_text(value);
            let mut row = ClaimRow {
                adapter: adapter.clone(),
                stack: stack.clone(),
                feature: feature.clone(),
                claimed: is_claim(feature, &declared),
                declared,
                pass: 0,
                fail: 0,
                deviation: 0,
            };
            let exercise = exercised_by(feature);
            for (trial, outcome) in results {
                let Work::Check {
                    stack: s,
                    fixture,
                    check: Check::Http(i),
                    ..
                } = &trial.work
                else {
                    continue;
                };
                if trial.adapter.name() != Some(adapter.as_str()) || &s.name != stack {
                    continue;
                }
                let exercised = match &exercise {
                    Exercise::Nothing => false,
                    Exercise::Tags(tags) => fixture.case.requests[*i]
                        .get_ref()
                        .behaviours()
                        .iter()
                        .any(|t| tags.contains(t)),
                    Exercise::Output(wanted) => {
                        let output = outputs.entry(fixture.dir.clone()).or_insert_with(|| {
                            model::Project::read(&fixture.dir)
                                .ok()
                                .map(|p| p.output.value())
                        });
                        output.as_ref() == Some(wanted)
                    }
                };
                if !exercised {
                    continue;
                }
                match outcome.status() {
                    Status::Pass => row.pass += 1,
                    Status::Fail => row.fail += 1,
                    Status::Deviation => row.deviation += 1,
                    Status::StaleDeviation | Status::NotApplicable => {}
                }
            }
            rows.push(row);
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_values_read_as_levels_flags_and_modes() {
        let level = |v: serde_json::Value| declared_text(&v);
        assert_eq!(level(serde_json::json!("stable")), "stable");
        assert_eq!(
            level(serde_json::json!({ "support": "limited", "message": "x" })),
            "limited"
        );
        assert_eq!(level(serde_json::json!(false)), "false");
        assert!(is_claim("serverOutput", "experimental"));
        assert!(!is_claim("serverOutput", "unsupported"));
        assert!(!is_claim("staticHeaders", "false"));
        assert!(!is_claim("buildOutput", "server"));
    }

    #[test]
    fn a_claim_whose_checks_fail_says_so() {
        let row = ClaimRow {
            adapter: "x".into(),
            stack: "astro7".into(),
            feature: "serverOutput".into(),
            declared: "stable".into(),
            claimed: true,
            pass: 3,
            fail: 1,
            deviation: 2,
        };
        assert!(row.broken());
        assert_eq!(
            row.verdict(),
            "CLAIMED BUT FAILS: 3 pass, 1 FAIL, 2 known deviation of 6 checks"
        );
        let unexercised = ClaimRow {
            pass: 0,
            fail: 0,
            deviation: 0,
            ..row
        };
        assert_eq!(
            unexercised.verdict(),
            "claimed; no check of this run exercises it"
        );
    }
}
