//! Access test files (`../shared/SCENARIO-FORMAT.md`): parsing a file into the engine's model
//! with line-accurate problems ([`parse`]), and running its expectations ([`run`]) through a
//! [`Backend`]: the in-memory engine here, the store's SQL later.
//!
//! What belongs here: the file format and the runner's contract. What does not: access rules
//! (they are the `access` crate's), files and processes (the binary reads files and prints).

pub mod generate;
mod model;
mod parse;
mod run;
mod yaml;

pub use model::{Because, Check, Expectation, IdMap, Names, Scenario, Subject};
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

/// Optimal string alignment distance: insertions, deletions, substitutions and swaps of two
/// neighbouring characters each count one.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let at = |i: usize, j: usize| i * width + j;
    let mut d = vec![0usize; (a.len() + 1) * width];
    let get = |d: &[usize], i, j| d.get(at(i, j)).copied().unwrap_or(usize::MAX / 2);
    for i in 0..=a.len() {
        for j in 0..=b.len() {
            let value = if i == 0 || j == 0 {
                i + j
            } else {
                let (ca, cb) = (a.get(i - 1), b.get(j - 1));
                let mut best = (get(&d, i - 1, j) + 1)
                    .min(get(&d, i, j - 1) + 1)
                    .min(get(&d, i - 1, j - 1) + usize::from(ca != cb));
                if i > 1 && j > 1 && ca == b.get(j - 2) && a.get(i - 2) == cb {
                    best = best.min(get(&d, i - 2, j - 2) + 1);
                }
                best
            };
            if let Some(x) = d.get_mut(at(i, j)) {
                *x = value;
            }
        }
    }
    get(&d, a.len(), b.len())
}

#[cfg(test)]
mod tests {
    #[test]
    fn suggestions_catch_common_typos() {
        let words = ["agent", "view", "mine", "team", "waiting", "admin"];
        for (typo, want) in [
            ("agnet", "agent"),
            ("veiw", "view"),
            ("mien", "mine"),
            ("taem", "team"),
            ("wiating", "waiting"),
            ("agen", "agent"),
        ] {
            assert_eq!(
                super::suggest(typo, words.iter().copied()),
                Some(want),
                "{typo}"
            );
        }
        assert_eq!(super::suggest("zzzzzz", words.iter().copied()), None);
    }
}
