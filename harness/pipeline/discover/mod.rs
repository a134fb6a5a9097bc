//! What to run: fixtures and their case files (with their requests and what each expects),
//! and adapter profiles.

pub mod adapter;
pub mod case;
pub mod expect;
pub mod request;
