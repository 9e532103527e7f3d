//! The operation mix: what share of operations read, insert, remove, update and upsert.
//!
//! As in bustle (jonhoo/bustle), a mix is a plain struct of percentages that must add up to 100.
//! The presets are those of conc-map-bench (xacrimon/conc-map-bench, built on bustle), whose
//! charts are the usual reference for Rust concurrent maps. bustle's own `Mix::read_heavy` (read
//! 94, insert 2, update 3, remove 1) can be run as `mix=custom`.

use crate::params::{ParamKind, ParamSpec, Params, Shares};

/// One kind of map operation; its value is its index in [`Mix::weights`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum OpKind {
    Read = 0,
    Insert = 1,
    Remove = 2,
    Update = 3,
    Upsert = 4,
}

impl OpKind {
    /// Every kind, in weight order.
    pub const ALL: [OpKind; 5] =
        [OpKind::Read, OpKind::Insert, OpKind::Remove, OpKind::Update, OpKind::Upsert];

    /// The kind at index `index` of the weights.
    pub fn from_index(index: u8) -> Self {
        Self::ALL[usize::from(index)]
    }

    /// The parameter that holds this kind's share under `mix=custom`.
    pub fn share_param(self) -> &'static str {
        match self {
            OpKind::Read => "read",
            OpKind::Insert => "insert",
            OpKind::Remove => "remove",
            OpKind::Update => "update",
            OpKind::Upsert => "upsert",
        }
    }
}

/// Percentages of each operation kind; they add up to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mix {
    pub read: u32,
    pub insert: u32,
    pub remove: u32,
    pub update: u32,
    pub upsert: u32,
}

impl Mix {
    /// conc-map-bench's read-heavy: a cache that is mostly read.
    pub const READ_HEAVY: Mix = Mix { read: 98, insert: 1, remove: 1, update: 0, upsert: 0 };
    /// conc-map-bench's exchange: keys come and go at the same rate, so the size stays put.
    pub const EXCHANGE: Mix = Mix { read: 10, insert: 40, remove: 40, update: 10, upsert: 0 };
    /// conc-map-bench's rapid-grow: mostly inserts.
    pub const RAPID_GROW: Mix = Mix { read: 5, insert: 80, remove: 5, update: 10, upsert: 0 };

    /// The preset called `name`.
    pub fn preset(name: &str) -> Option<Mix> {
        match name {
            "read-heavy" => Some(Self::READ_HEAVY),
            "exchange" => Some(Self::EXCHANGE),
            "rapid-grow" => Some(Self::RAPID_GROW),
            _ => None,
        }
    }

    /// The mix the `mix` parameter names, or under `mix=custom` the one the share parameters
    /// give. Their rules (they add up to 100, and are 0 beside a preset) are declared with them,
    /// in [`CUSTOM`], and were checked when `params` was resolved.
    pub fn from_params(params: &Params) -> Mix {
        let name = params.choice(MIX.name);
        if let Some(preset) = Mix::preset(name) {
            return preset;
        }
        assert_eq!(name, CUSTOM.when, "'{name}' is not a declared mix");
        let [read, insert, remove, update, upsert] =
            OpKind::ALL.map(|kind| params.number(kind.share_param()) as u32);
        Mix { read, insert, remove, update, upsert }
    }

    /// The shares in [`OpKind`] order: the weights of the op stream.
    pub fn weights(&self) -> [u32; 5] {
        [self.read, self.insert, self.remove, self.update, self.upsert]
    }
}

/// The `mix` parameter.
pub const MIX: ParamSpec = ParamSpec {
    name: "mix",
    kind: ParamKind::Choice(&["read-heavy", "exchange", "rapid-grow", "custom"]),
    default: "read-heavy,exchange,rapid-grow",
    help: "operation mix: read-heavy (read 98, insert 1, remove 1), exchange (read 10, insert 40, \
           remove 40, update 10), rapid-grow (read 5, insert 80, remove 5, update 10), or custom \
           (the shares read, insert, remove, update, upsert)",
};

/// The rule of the share parameters: they add up to 100 under `mix=custom` and are all 0 under a
/// preset, where they would be silently ignored.
pub const CUSTOM: Shares = Shares { switch: "mix", when: "custom", total: 100 };

/// The share parameters, used only with `mix=custom`.
pub const SHARES: [ParamSpec; 5] = [
    share("read", "percent of operations that get a key (mix=custom)"),
    share("insert", "percent that insert a key if absent (mix=custom)"),
    share("remove", "percent that remove a key (mix=custom)"),
    share("update", "percent that change a present key's value in place (mix=custom)"),
    share("upsert", "percent that update a key, or insert it if absent (mix=custom)"),
];

const fn share(name: &'static str, help: &'static str) -> ParamSpec {
    ParamSpec { name, kind: ParamKind::Share(&CUSTOM), default: "0", help }
}
