//! The `astro-conform` binary end to end: what a user types and what they get back.

mod bad_input;
mod classify;
mod profiles;
mod run;
