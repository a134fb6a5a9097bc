//! astro-conform: builds real Astro projects, classifies every route as prerendered (▶)
//! or on-demand (λ), and checks the result.
//!
//! The modules follow the data flow. [`pipeline`] holds the stages in order: discover
//! (fixtures, case files, adapter profiles) → install (Node and Astro) → build (`astro
//! build` with the probe) → classify (▶/λ from the probe, verified against the build log
//! and the disk) → serve (the built server on 127.0.0.1) → request (HTTP exchanges and
//! their expectations), with the rules model beside them, and the session that runs each
//! stage once per key. [`suite`] turns them into trials for `cargo test` and
//! `astro-conform run`; [`report`] prints and writes the conformance matrix; [`perf`]
//! measures throughput and decides A/B comparisons. [`error`] holds the errors every stage
//! shares.

pub mod astro;
pub mod error;
pub mod mismatch;
pub mod process;
pub mod cache;
pub mod paths;
pub mod project;
pub mod settings;
mod built_in;
pub mod pipeline;
pub mod suite;
pub mod report;
pub mod perf;
pub mod upgrade;
pub mod schema;
