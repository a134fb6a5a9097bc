//! astro-conform: builds real Astro projects, classifies every route as prerendered (▶)
//! or on-demand (λ), and checks the result.
//!
//! The modules follow the data flow: [`case`] (discover fixtures) → [`stack`] (install
//! Astro and Node) → [`build`] (`astro build` with the probe) → [`classify`] (▶/λ from the
//! probe, cross-checked with [`buildlog`] and the disk) → [`tree`] and [`redact`]
//! (deterministic listings) → [`suite`] (trials for `cargo test` and `astro-conform run`).

pub mod adapter;
pub mod build;
pub mod buildlog;
pub mod cache;
pub mod case;
pub mod classify;
pub mod cpu;
pub mod expect;
pub mod http;
pub mod mutant;
pub mod paths;
pub mod perf;
pub mod process;
pub mod redact;
pub mod report;
pub mod rules;
pub mod serve;
pub mod stack;
pub mod suite;
pub mod tree;
