//! Integration tests of the access engine (`atende-access`), one test binary:
//!
//! - `world`: random worlds as proptest strategies;
//! - `oracle`: an independent implementation of ACCESS-MODEL.md, rule by rule;
//! - `props`: property tests, the engine against the oracle and its own invariants;
//! - `coverage`: the generator reaches every rule and outcome;
//! - `fixture` and `cases_*`: hand-written rstest tables, one row per rule, action and
//!   account-level decision, and the presets.
//!
//! The modules are `cfg(test)` so that clippy treats their helpers as test code (they may
//! unwrap and panic: a failing test is the point).

#[cfg(test)]
mod cases_account;
#[cfg(test)]
mod cases_actions;
#[cfg(test)]
mod cases_model;
#[cfg(test)]
mod cases_presets;
#[cfg(test)]
mod cases_visibility;
#[cfg(test)]
mod coverage;
#[cfg(test)]
mod fixture;
#[cfg(test)]
mod oracle;
#[cfg(test)]
mod props;
#[cfg(test)]
mod world;
