//! The suite: one trial per stack × adapter × fixture × check, named
//! `stack/adapter/fixture/check`. Listing trials builds nothing; running one installs its
//! stack and builds its fixture (both cached and shared with the other trials).

mod column;
mod plan;
mod runner;
mod checks;
mod claims;
mod request;
mod snapshot;
mod failure;
pub mod site;

pub use checks::model_mismatches;
pub use claims::{ClaimRow, Declarations, tie_claims};
pub use column::AdapterColumn;
pub use failure::Failure;
pub use plan::{
    Check, Failed, KnownDeviation, Outcome, Status, Trial, Work, fixture_dirs, select_stacks,
    trials,
};
pub use request::{RequestFailure, Target, run_request};
pub use runner::{Runner, Usage};
pub use snapshot::SnapshotMismatch;

#[cfg(test)]
mod tests;
