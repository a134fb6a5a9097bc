//! The suite: one trial per stack × adapter × fixture × check, named
//! `stack/adapter/fixture/check`. Listing trials builds nothing; running one installs its
//! stack and builds its fixture (both cached and shared with the other trials).

mod checks;
mod plan;
mod request;
mod runner;
mod snapshot;

pub use checks::{check_entry, classify_build, model_mismatches, redactor_for};
pub use plan::{Check, Outcome, Trial, Work, select_stacks, trials};
pub use request::{Target, run_request};
pub use runner::Runner;
pub use snapshot::assert_snapshot;

#[cfg(test)]
mod tests;
