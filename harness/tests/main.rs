//! The integration tests: one binary, a module per area, shared helpers in [`support`].
//! Timing tests (`ab`, `load`) hold the whole machine; every other test shares it.

mod support;

mod ab;
mod bite;
mod cli;
mod determinism;
mod installed;
mod load;
mod matrix;
mod mutants;
mod npm_package;
mod projects;
mod properties;
mod report_html;
mod serve;
mod site_check;
mod upgrade;
mod sites;
