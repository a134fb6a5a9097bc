//! The stages of a run, in the order data flows through them, and the [`session`] that
//! runs them once per key and shares the results.

pub mod discover; // fixtures, case files, adapter profiles
pub mod install; // Node and the stack's packages, in the cache
pub mod build; // `astro build` with the probe
pub mod classify; // ▶/λ per route, verified against the log and the disk
pub mod model; // the rules, predicting ▶/λ from the sources
pub mod serve; // the built server on 127.0.0.1
pub mod request; // HTTP exchanges and their expectations
pub mod session;

#[cfg(test)]
mod layers;
