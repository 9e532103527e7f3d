//! The implementations a workload can run, each with a way to build a fresh trial from the
//! workload's own setup type. Every workload keeps one, so adding an implementation is one call.

use crate::workload::{ImplInfo, ImplKind, Trial};

type MakeTrial<S> = Box<dyn Fn(&S) -> Box<dyn Trial> + Send + Sync>;

/// Implementations in the order they were added, built from setups of type `S`.
pub struct Catalog<S> {
    entries: Vec<(ImplInfo, MakeTrial<S>)>,
}

impl<S> Catalog<S> {
    pub fn new() -> Self {
        Self { entries: Vec::new() }
    }

    /// Adds `name`; `make` builds a fresh trial of it for a setup.
    pub fn add(
        &mut self,
        name: &str,
        kind: ImplKind,
        about: &str,
        make: impl Fn(&S) -> Box<dyn Trial> + Send + Sync + 'static,
    ) {
        self.add_info(ImplInfo::new(name, kind, about), make);
    }

    /// Adds the implementation `info` describes; `make` builds a fresh trial of it for a setup.
    pub fn add_info(
        &mut self,
        info: ImplInfo,
        make: impl Fn(&S) -> Box<dyn Trial> + Send + Sync + 'static,
    ) {
        self.entries.push((info, Box::new(make)));
    }

    /// Every implementation, in order.
    pub fn infos(&self) -> Vec<ImplInfo> {
        self.entries.iter().map(|(info, _)| info.clone()).collect()
    }

    /// A fresh trial of `name` for `setup`; `None` for an unknown name.
    pub fn make(&self, name: &str, setup: &S) -> Option<Box<dyn Trial>> {
        self.entries.iter().find(|(info, _)| info.name == name).map(|(_, make)| make(setup))
    }
}

impl<S> Default for Catalog<S> {
    fn default() -> Self {
        Self::new()
    }
}
