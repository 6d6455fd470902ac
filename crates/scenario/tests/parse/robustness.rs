//! Robustness: parsing never panics.

use super::*;

// ---------------------------------------------------------------------------------------------
// Robustness: parsing never panics
// ---------------------------------------------------------------------------------------------

/// Parses `text`; panics (failing the test) with the input when the parser panics, when a
/// problem's line is outside the file, or when a valid file cannot run.
fn parse_never_panics(text: &str, what: &str) {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let parsed = parse(text);
        if let Ok(s) = &parsed {
            // A file that parses must run without the backend meeting an unknown id.
            let ran = run(s, &mut Memory::new(s), Lang::En);
            assert!(ran.is_ok(), "a parsed file failed to run");
        }
        parsed
    }));
    match outcome {
        Ok(Ok(_)) => {}
        Ok(Err(ps)) => {
            assert!(!ps.is_empty(), "{what}: Err with no problem for:\n{text}");
            // Lines as YAML counts them: a lone CR is a line break too (found by the fuzzer).
            let lines = text
                .replace("\r\n", "\n")
                .replace('\r', "\n")
                .lines()
                .count()
                .max(1)
                + 1;
            for p in &ps {
                assert!(
                    p.line >= 1 && p.line <= lines,
                    "{what}: problem at line {} of a {lines}-line file ({}) for:\n{text}",
                    p.line,
                    p.message
                );
                assert!(!p.message.is_empty(), "{what}: empty message for:\n{text}");
            }
        }
        Err(_) => panic!("{what}: parse panicked on:\n{text}"),
    }
}

#[test]
fn parse_never_panics_on_truncations() {
    for cut in (0..=EXAMPLE.len()).filter(|i| EXAMPLE.is_char_boundary(*i)) {
        parse_never_panics(&EXAMPLE[..cut], &format!("truncated at byte {cut}"));
    }
}

#[test]
fn parse_never_panics_on_deleted_lines() {
    let lines: Vec<&str> = EXAMPLE.lines().collect();
    for skip in 0..lines.len() {
        let text: String = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != skip)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        parse_never_panics(&text, &format!("line {} deleted", skip + 1));
        // And every pair of neighbouring lines swapped.
        if skip + 1 < lines.len() {
            let mut swapped = lines.clone();
            swapped.swap(skip, skip + 1);
            parse_never_panics(
                &(swapped.join("\n") + "\n"),
                &format!("lines {} and {} swapped", skip + 1, skip + 2),
            );
        }
    }
}

#[test]
fn parse_never_panics_on_swapped_characters() {
    let chars: Vec<char> = EXAMPLE.chars().collect();
    for i in 0..chars.len().saturating_sub(1) {
        let mut c = chars.clone();
        c.swap(i, i + 1);
        let text: String = c.into_iter().collect();
        parse_never_panics(&text, &format!("characters {i} and {} swapped", i + 1));
    }
}

#[test]
fn parse_never_panics_on_inserted_characters() {
    // Characters and snippets that change YAML structure, inserted across the file.
    let snippets = [
        "{", "}", "[", "]", ":", "-", "\"", "'", "#", "\n", "\t", " ", ",", "&a ", "*a", "!!str ",
        "? ", "|\n", "~", "\u{0}", "é", "---\n",
    ];
    let boundaries: Vec<usize> = (0..=EXAMPLE.len())
        .filter(|i| EXAMPLE.is_char_boundary(*i))
        .collect();
    // A prime step with a start that moves with the snippet: every offset is covered by some
    // snippets, and the test stays fast in a debug build.
    let step = 11;
    for (k, snippet) in snippets.iter().enumerate() {
        for &at in boundaries.iter().skip(k % step).step_by(step) {
            let text = format!("{}{snippet}{}", &EXAMPLE[..at], &EXAMPLE[at..]);
            parse_never_panics(&text, &format!("{snippet:?} inserted at byte {at}"));
        }
    }
}

#[test]
fn parse_never_panics_on_replaced_values() {
    // Every value of every flow/block entry replaced by odd values of other types.
    let odd = [
        "",
        "~",
        "null",
        "[]",
        "{}",
        "[[x]]",
        "{a: {b: c}}",
        "-1",
        "1.5",
        "true",
        "&x a",
        "*x",
        "!!binary aGk=",
    ];
    let lines: Vec<&str> = EXAMPLE.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        for (j, _) in line.match_indices(": ") {
            for value in odd {
                let rest = &line[j + 2..];
                let end = rest.find([',', '}', '#']).unwrap_or(rest.len());
                let new_line = format!("{}: {value}{}", &line[..j], &rest[end..]);
                let mut changed = lines.clone();
                changed[i] = &new_line;
                parse_never_panics(
                    &(changed.join("\n") + "\n"),
                    &format!("line {} value at {j} replaced by {value:?}", i + 1),
                );
            }
        }
    }
}

#[test]
fn parse_never_panics_on_odd_documents() {
    for text in [
        "",
        "\n",
        "~",
        "null",
        "[]",
        "{}",
        "42",
        "name:",
        "name: x\nexpect:",
        "name: x\nexpect: ~\ndepartments: ~\nusers: ~\nconversations: ~\nroles: ~\nsettings: ~\n",
        "name: x\ndepartments: [{ id: d }]\nexpect: [~, [], {}, 1]\n",
        "name: x\ndepartments: [{ id: d }]\nusers: [{ id: u, roles: [{ }] }]\nexpect: []\n",
        "name: x\ndepartments: [{ id: d, parent: ~ }]\nexpect: []\n",
        "name: x\ndepartments: [{ id: \"\" }]\nexpect: []\n",
        "name: x\ndepartments: [{ id: [a] }]\nexpect: []\n",
        "a: &a [*a]\n",
        "&a a: *a\n",
        "name: &n x\ndepartments: [{ id: *n }]\nexpect: []\n",
        "? [a]\n: b\n",
        "{[a]: b}\n",
        "%YAML 1.2\n---\nname: x\n",
        "\u{feff}name: x\n",
        "name: x\r\ndepartments: [{ id: d }]\r\nexpect: []\r\n",
    ] {
        parse_never_panics(text, "odd document");
    }
}

/// The inputs of the `scenario_parse` fuzz target that are committed: its seeds, the
/// regressions it found, and the conformance suite's files.
fn fuzz_corpus() -> Vec<String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for dir in [
        "fuzz/seeds/scenario_parse",
        "fuzz/regressions/scenario_parse",
        "scenarios",
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if let Ok(bytes) = std::fs::read(&path) {
                out.push(String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    out
}

/// The stable, bounded counterpart of `cargo fuzz run scenario_parse` (docs/security.md,
/// "Fuzzing"): the committed corpus, then random edits of it (characters inserted, removed,
/// replaced, lines spliced from another file), through the same checks as the target.
/// `ATENDE_FUZZ_ITERATIONS` raises the count of edited files.
#[test]
fn parse_never_panics_on_the_fuzz_corpus_and_random_edits_of_it() {
    let corpus = fuzz_corpus();
    assert!(
        corpus.len() >= 10,
        "the corpus is missing: {}",
        corpus.len()
    );
    for (i, text) in corpus.iter().enumerate() {
        parse_never_panics(text, &format!("corpus file {i}"));
    }
    let iterations: usize = std::env::var("ATENDE_FUZZ_ITERATIONS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300);
    // xorshift64*: deterministic, so that a failure replays.
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut below = move |n: usize| {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % (n.max(1) as u64)) as usize
    };
    let pieces = [
        "{",
        "}",
        "[",
        "]",
        ":",
        "- ",
        "\"",
        "'",
        "#",
        "\n",
        "\t",
        "  ",
        ",",
        "&a ",
        "*a",
        "<<: *a",
        "!!str ",
        "? ",
        "|\n",
        "~",
        "\u{0}",
        "é",
        "---\n",
        "...\n",
        "9999999999999999999999",
        "-1",
        "0.0.0.0/0",
        "::/0",
        "c1",
        "ana",
        "sales",
    ];
    for i in 0..iterations {
        let mut chars: Vec<char> = corpus[below(corpus.len())].chars().collect();
        for _ in 0..=below(6) {
            let at = below(chars.len() + 1);
            match below(4) {
                0 => {
                    let piece = pieces[below(pieces.len())];
                    chars.splice(at..at, piece.chars());
                }
                1 if at < chars.len() => {
                    let end = (at + 1 + below(8)).min(chars.len());
                    chars.drain(at..end);
                }
                2 if at < chars.len() => {
                    chars[at] = char::from(u8::try_from(below(95) + 32).unwrap());
                }
                _ => {
                    let other: Vec<&str> = corpus[below(corpus.len())].lines().collect();
                    if let Some(line) = other.get(below(other.len())) {
                        let nl = chars[..at]
                            .iter()
                            .rposition(|c| *c == '\n')
                            .map_or(0, |p| p + 1);
                        chars.splice(nl..nl, format!("{line}\n").chars());
                    }
                }
            }
        }
        let text: String = chars.into_iter().collect();
        parse_never_panics(&text, &format!("random edit {i}"));
    }
}
