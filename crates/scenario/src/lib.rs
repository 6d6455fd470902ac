//! Access test files (`../shared/SCENARIO-FORMAT.md`): parsing a file into the engine's model
//! with line-accurate problems ([`parse`]), and running its expectations ([`run`]) through a
//! [`Backend`]: the in-memory engine here, the store's SQL later.
//!
//! What belongs here: the file format and the runner's contract. What does not: access rules
//! (they are the `access` crate's), files and processes (the binary reads files and prints).

mod model;
mod parse;
mod run;
mod yaml;

pub use model::{Because, Check, Expectation, Names, Scenario, Subject};
pub use parse::{ACCOUNT, parse};
pub use run::{Backend, Failure, Memory, Report, run};
pub use yaml::Problem;

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).clamp(1, 4);
    candidates
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.last().copied().unwrap_or(0) + 1;
            cur.push(sub.min(del).min(ins));
        }
        prev = cur;
    }
    prev.last().copied().unwrap_or(0)
}
