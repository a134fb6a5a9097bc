//! Stacks (pinned Astro and adapters, a Node toolchain) installed with `npm ci` into a
//! content-addressed cache, or a project's own installed packages run with a stack's Node.

pub mod stack;
mod profile;

pub use profile::AdapterInstallError;
pub mod moved;
pub mod own;
