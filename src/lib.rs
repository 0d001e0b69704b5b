//! shadowai: finds shadow AI in DNS, web-proxy and endpoint logs.
//!
//! The flow, one module per stage: `input` (walk, gzip) → [`lines`] → [`formats`] (one
//! module per log format, producing one normalized [`event::Event`]) → [`signatures`]
//! (catalogue matcher) and [`discovery`] → [`aggregate`] (per user × tool × day) →
//! `report` (CSV, JSON), with the [`policy`] (register tiers, rules) applied by `findings`.
//! [`pipeline`] runs it in parallel; [`cmd`] holds the subcommands,
//! one module each. Past one machine, [`partial`] writes a scan's aggregates as partial records
//! and reads them back for `merge`, which feeds the same `report` (or `state`).

// Input decides every value here: a panic would lose a whole night's scan (tests may unwrap).
#![deny(clippy::unwrap_used)]

pub mod aggregate;
pub(crate) mod atomic;
pub mod blocklist;
pub mod cli;
pub mod cmd;
pub mod config;
pub(crate) mod directory;
pub mod discovery;
pub(crate) mod error;
pub mod event;
pub mod exit;
pub(crate) mod findings;
pub mod formats;
pub(crate) mod hash;
pub(crate) mod identity;
pub(crate) mod input;
pub mod lines;
pub mod normalize;
pub mod partial;
pub(crate) mod paths;
pub mod pipeline;
pub mod policy;
pub(crate) mod pseudonym;
pub(crate) mod rank;
pub mod register;
pub(crate) mod report;
pub mod signatures;
pub(crate) mod state;
pub(crate) mod time;

#[cfg(test)]
mod testutil;
