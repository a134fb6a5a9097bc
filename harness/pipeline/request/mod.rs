//! The HTTP exchange with a built server, and the expectations a response must meet.

pub mod case;
pub mod expect;
pub mod http;
pub mod linked;
