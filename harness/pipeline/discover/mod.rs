//! What to run: fixtures and their case files, and adapter profiles.

pub mod adapter;
pub mod case;
