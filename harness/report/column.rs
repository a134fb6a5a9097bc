//! The adapter columns of the matrix, and who served each one's output.

use serde::{Deserialize, Serialize};

use crate::pipeline::discover::adapter::Runner;

/// One adapter column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The profile name (`none`: fixtures built without an adapter).
    pub name: String,
    /// The profile's description.
    pub description: String,
    /// Who wrote the program that served the output.
    pub runner: ServedBy,
}

/// Who wrote the program that served a column's output (`adapter`, `ours` or `none` in
/// matrix.json).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServedBy {
    /// The adapter's own server or its vendor's tool.
    Adapter,
    /// A runner of astro-conform's.
    Ours,
    /// Nothing: the fixtures built without an adapter are not served.
    None,
}

impl From<Runner> for ServedBy {
    fn from(runner: Runner) -> Self {
        match runner {
            Runner::Adapter => ServedBy::Adapter,
            Runner::Ours => ServedBy::Ours,
        }
    }
}

impl Column {
    /// What every report says after a column served by a runner of ours (none for others).
    pub fn ours_note(&self) -> Option<&'static str> {
        (self.runner == ServedBy::Ours).then_some("served by astro-conform's own runner")
    }
}
