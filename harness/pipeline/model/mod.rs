//! A model of how Astro decides each route's mode, read from the project's files without
//! building: the literal-flag match in page and endpoint sources, the output default,
//! adapter presence, redirects from the config, and the build errors that follow.
//!
//! `astro-conform explain` prints it with the reason for every decision and lints; every
//! build check compares Astro's actual decision with it. The rules are those of
//! astro 5.x and 7.x (`core/routing/prerender.js` is the same in both); an integration's
//! `astro:route:setup` hook can still change a route, which no model of the files sees.

mod lint;
mod predict;
mod read;

pub use lint::*;
pub use predict::*;
pub use read::*;

#[cfg(test)]
mod tests;
