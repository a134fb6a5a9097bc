//! The matrix's claims section: what each adapter declared to Astro, tied to the checks.

use std::collections::BTreeMap;

use super::Matrix;
use crate::suite::ClaimRow;

impl Matrix {
    /// The same matrix with what the adapters declared (see [`crate::suite::tie_claims`]).
    pub fn with_claims(mut self, claims: Vec<ClaimRow>) -> Self {
        self.claims = claims;
        self
    }

    /// The claims section as lines: per adapter and stack, each declared feature that a
    /// check of the run exercises with its verdict, then the rest on one line; empty when
    /// no adapter declared anything.
    pub(super) fn claim_lines(&self) -> Vec<String> {
        let mut groups: BTreeMap<(&str, &str), Vec<&ClaimRow>> = BTreeMap::new();
        for claim in &self.claims {
            groups
                .entry((&claim.adapter, &claim.stack))
                .or_default()
                .push(claim);
        }
        let mut lines = Vec::new();
        for ((adapter, stack), claims) in groups {
            lines.push(format!("{adapter} on {stack} declares:"));
            let (exercised, rest): (Vec<_>, Vec<_>) =
                claims.into_iter().partition(|c| c.checks() > 0);
            for c in exercised {
                lines.push(format!("  {} {}: {}", c.feature, c.declared, c.verdict()));
            }
            if !rest.is_empty() {
                let rest: Vec<String> = rest
                    .iter()
                    .map(|c| format!("{} {}", c.feature, c.declared))
                    .collect();
                lines.push(format!("  no check of this run: {}", rest.join(", ")));
            }
        }
        lines
    }
}
