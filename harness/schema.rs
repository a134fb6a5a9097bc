//! JSON Schemas of the file formats, generated from the serde types that read them, so
//! editors can complete and check `case.toml`, `astro-conform.toml`, adapter profiles and
//! `bench.toml` (with a `#:schema <file>` comment on the first line, as Taplo reads it).

use schemars::JsonSchema;

/// A format with a schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `case.toml` of a fixture, and a site's `astro-conform.toml`.
    Case,
    /// An adapter profile (`adapters/<name>.toml`).
    Profile,
    /// `bench.toml`.
    Bench,
}

impl Format {
    /// Every format, in the order of the committed files.
    pub const ALL: [Format; 3] = [Format::Case, Format::Profile, Format::Bench];

    /// The name on the command line and in the file name `schemas/<name>.schema.json`.
    pub fn name(self) -> &'static str {
        match self {
            Format::Case => "case",
            Format::Profile => "profile",
            Format::Bench => "bench",
        }
    }

    /// The schema as pretty JSON, ending in a newline.
    pub fn schema(self) -> String {
        let schema = match self {
            Format::Case => schemars::schema_for!(crate::pipeline::discover::case::Case),
            Format::Profile => {
                schemars::schema_for!(crate::pipeline::discover::adapter::ProfileFile)
            }
            Format::Bench => schemars::schema_for!(crate::perf::routes::RoutesFile),
        };
        let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// How `[routes]` writes a mode (the reader accepts exactly these).
#[derive(JsonSchema)]
#[allow(dead_code)]
pub(crate) enum ModeName {
    #[serde(rename = "▶")]
    Prerendered,
    #[serde(rename = "prerendered")]
    PrerenderedWord,
    #[serde(rename = "λ")]
    OnDemand,
    #[serde(rename = "on-demand")]
    OnDemandWord,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed schemas are the generated ones: regenerate with
    /// `for f in case profile bench; do astro-conform schema $f > schemas/$f.schema.json; done`.
    #[test]
    fn the_committed_schemas_are_current() {
        for format in Format::ALL {
            let file = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(format!("schemas/{}.schema.json", format.name()));
            let committed = std::fs::read_to_string(&file).unwrap_or_default();
            assert!(
                committed == format.schema(),
                "{} is out of date: regenerate it with `astro-conform schema {}`",
                file.display(),
                format.name()
            );
        }
    }

    #[test]
    fn the_case_schema_names_the_keys_and_forbids_others() {
        let case: serde_json::Value = serde_json::from_str(&Format::Case.schema()).unwrap();
        let text = case.to_string();
        for key in [
            "expect_error",
            "follow_redirects",
            "header_names",
            "not-found-page",
            "▶",
        ] {
            assert!(text.contains(key), "{key} missing from the case schema");
        }
        assert_eq!(case["additionalProperties"], serde_json::Value::Bool(false));
    }
}
