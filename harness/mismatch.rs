//! A failed expectation as data, from the check to every report.

use std::fmt;

use serde::{Deserialize, Serialize};

/// One expectation that did not hold, as data: which (its key in the case's `expect`
/// table, e.g. `status`, `headers.cache-control`, `cookies.session`), what it asked for and
/// what came back, and the one line that says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mismatch {
    /// The key in `expect`.
    pub expectation: String,
    /// What the case asked for.
    pub expected: String,
    /// What came back.
    pub actual: String,
    /// The line a person reads, e.g. `status: expected 302, got 200 OK`.
    pub message: String,
}

impl Mismatch {
    /// `expectation` asked for `expected` and `actual` came back; said as
    /// `<label>: expected <expected>, got <actual>`.
    pub fn new(
        expectation: impl Into<String>,
        label: &str,
        expected: impl Into<String>,
        actual: impl Into<String>,
    ) -> Self {
        let (expected, actual) = (expected.into(), actual.into());
        let message = format!("{label}: expected {expected}, got {actual}");
        Self {
            expectation: expectation.into(),
            expected,
            actual,
            message,
        }
    }

    /// The same mismatch, said in other words.
    pub fn worded(mut self, message: String) -> Self {
        self.message = message;
        self
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}
