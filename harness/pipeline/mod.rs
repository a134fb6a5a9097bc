//! The stages of a run, in the order data flows through them.

pub mod build;
pub mod classify;
pub mod discover;
pub mod install;
pub mod model;
pub mod request;
pub mod serve;
