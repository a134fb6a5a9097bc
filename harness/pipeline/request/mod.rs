//! The HTTP exchange with a built server, and the expectations a response must meet.

pub mod expect;
pub mod http;
