//! Performance: the load generator, `bench` (throughput of a route set), the A/B decision
//! (`bench --ab`) with its statistics, and the SVG charts.

pub mod ab;
pub mod baseline;
pub mod bench;
pub mod error;
pub mod load;
pub mod plot;
pub mod power;
pub mod routes;
pub mod stats;
pub mod trackers;
pub mod variant;
