//! `astro-conform upgrade`: a site beside itself on another Astro. Its own packages and
//! the same with `astro` and the official integrations moved ([`packages`]) are each
//! built, listed, served and timed; [`diff`] says what changed: routes whose mode
//! changed, files, responses, checks and speed; [`report`] prints and writes it.

pub mod asks;
pub mod diff;
pub mod packages;
pub mod report;

pub use diff::{ChecksDiff, ListingDiff, ResponseDiff, RouteChange};
pub use packages::{Move, PackagePlan};
pub use report::UpgradeReport;
