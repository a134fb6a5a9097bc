//! The adapter column of the matrix a trial is counted in.

use crate::pipeline::discover::adapter::Profile;

/// The adapter column of the matrix a trial is counted in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdapterColumn {
    /// The profile of this name.
    Profile(String),
    /// Fixtures built without an adapter.
    NoAdapter,
    /// Every column: a case file that cannot be read fails its fixture for every adapter.
    Every,
}

impl AdapterColumn {
    /// The name of the column without an adapter.
    pub const NO_ADAPTER: &str = "none";

    /// The column's name; `None` for [`AdapterColumn::Every`].
    pub fn name(&self) -> Option<&str> {
        match self {
            AdapterColumn::Profile(name) => Some(name),
            AdapterColumn::NoAdapter => Some(Self::NO_ADAPTER),
            AdapterColumn::Every => None,
        }
    }

    /// The column of `profile`, or the one without an adapter.
    pub fn of(profile: Option<&Profile>) -> Self {
        profile.map_or(AdapterColumn::NoAdapter, |p| {
            AdapterColumn::Profile(p.name.clone())
        })
    }
}
