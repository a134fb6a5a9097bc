//! Stacks (pinned Astro and adapters, a Node toolchain) installed with `npm ci` into a
//! content-addressed cache.

pub mod cache;
mod profile;
pub mod stack;
