//! Every workload the project ships, by name, so the CLI and the benches find them all.

use std::sync::Arc;

use crate::buffer::BufferWorkload;
use crate::counter::CounterWorkload;
use crate::cow::CowWorkload;
use crate::executors::{BalanceWorkload, PoolWorkload, SleepWorkload};
use crate::hazards::{
    BankWorkload, BankerWorkload, LivelockWorkload, PhilosophersWorkload, StarvationWorkload,
};
use crate::lazy_init::LazyInitWorkload;
use crate::lru::LruWorkload;
use crate::map::MapWorkload;
use crate::rwcache::RwCacheWorkload;
use crate::semaphore::SemaphoreWorkload;
use crate::spawn::SpawnWorkload;
use crate::stack::StackWorkload;
use crate::workload::Workload;

/// An ordered set of workloads with unique names. Each is shared, so that a runner can hand one
/// to a thread it may have to abandon (a `prepare` that never returns).
pub struct Registry {
    workloads: Vec<Arc<dyn Workload>>,
}

impl Registry {
    /// A registry with no workloads; add them with [`Registry::with`].
    pub fn empty() -> Self {
        Self { workloads: Vec::new() }
    }

    /// Every workload this project ships.
    pub fn standard() -> Self {
        Self::empty()
            .with(CounterWorkload::standard())
            .with(BufferWorkload::standard())
            .with(SemaphoreWorkload::standard())
            .with(RwCacheWorkload::standard())
            .with(LruWorkload::standard())
            .with(CowWorkload::standard())
            .with(LazyInitWorkload::standard())
            .with(MapWorkload::standard())
            .with(StackWorkload::standard())
            .with(PoolWorkload::standard())
            .with(BalanceWorkload::standard())
            .with(SleepWorkload::standard())
            .with(SpawnWorkload::standard())
            .with(BankWorkload::standard())
            .with(PhilosophersWorkload::standard())
            .with(LivelockWorkload::standard())
            .with(BankerWorkload::standard())
            .with(StarvationWorkload::standard())
    }

    /// Adds `workload`, replacing any workload of the same name in its place (so a user can
    /// extend one, and the binary can give the spawn workload its child, without reordering).
    pub fn with(mut self, workload: impl Workload + 'static) -> Self {
        let workload: Arc<dyn Workload> = Arc::new(workload);
        match self.workloads.iter().position(|existing| existing.name() == workload.name()) {
            Some(index) => self.workloads[index] = workload,
            None => self.workloads.push(workload),
        }
        self
    }

    /// The workload called `name`, if any.
    pub fn get(&self, name: &str) -> Option<&dyn Workload> {
        self.workloads.iter().find(|w| w.name() == name).map(|w| w.as_ref())
    }

    /// The workload called `name`, shared, if any.
    pub fn get_shared(&self, name: &str) -> Option<Arc<dyn Workload>> {
        self.workloads.iter().find(|w| w.name() == name).cloned()
    }

    pub fn iter(&self) -> impl Iterator<Item = &dyn Workload> {
        self.workloads.iter().map(|w| w.as_ref())
    }

    /// All names, in order.
    pub fn names(&self) -> Vec<&str> {
        self.iter().map(|w| w.name()).collect()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Self::standard()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::{ParamKind, Params};

    /// A declaration whose default lies outside its own range, or whose drawing maximum lies
    /// outside it, is a bug the ranges exist to rule out.
    #[test]
    fn every_declaration_is_well_formed_and_its_defaults_valid() {
        for workload in Registry::standard().iter() {
            let name = workload.name();
            let sweep = Params::sweep(name, workload.params(), &[]);
            assert!(sweep.is_ok(), "{name}: {}", sweep.unwrap_err());
            for spec in workload.params() {
                let well_formed = match spec.kind {
                    ParamKind::Count(r) | ParamKind::Nanos(r) => {
                        r.min <= r.draw_max && r.draw_max <= r.max
                    }
                    ParamKind::Decimal(r) => r.min <= r.draw_max && r.draw_max <= r.max,
                    ParamKind::Choice(words) => !words.is_empty(),
                    ParamKind::Share(group) => {
                        workload.params().iter().any(|s| s.name == group.switch)
                    }
                };
                assert!(well_formed, "{name} {}: {:?}", spec.name, spec.kind);
            }
        }
    }
}
