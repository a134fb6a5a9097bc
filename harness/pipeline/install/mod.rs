//! Stacks (pinned Astro and adapters, a Node toolchain) installed with `npm ci` into a
//! content-addressed cache.

pub mod cache;
pub mod stack;
