//! The crate's layers, held by a test: no two source files import each other, directly or
//! through others (an import circle makes a module impossible to read alone), and the low
//! floor (`state`, `caller`, `attempt`, `hub`, `app`) never imports an HTTP handler's module.
//! Paths are read from the source (`crate::a::b`, `super::c`, grouped `use` trees); doc
//! comments and comments are skipped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, as module paths (`app::routing`) → file.
fn modules(dir: &Path, prefix: &[String], out: &mut BTreeMap<Vec<String>, PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let path = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if path.is_dir() {
            let mut p = prefix.to_vec();
            p.push(name);
            modules(&path, &p, out);
        } else if let Some(stem) = name.strip_suffix(".rs") {
            let mut p = prefix.to_vec();
            if stem != "mod" && stem != "lib" {
                p.push(stem.to_owned());
            }
            out.insert(p, path);
        }
    }
}

/// Expands a `use` tree written after `crate::` or `super::` into paths: `a::{b, c::d}` →
/// `a::b`, `a::c::d`.
fn expand(text: &str) -> Vec<Vec<String>> {
    fn tree(chars: &[char], i: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
        let mut path = prefix;
        let mut word = String::new();
        while *i < chars.len() {
            let c = chars[*i];
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
                *i += 1;
            } else if c == ':' {
                if !word.is_empty() {
                    path.push(std::mem::take(&mut word));
                }
                *i += 1;
            } else if c == '{' {
                *i += 1;
                loop {
                    tree(chars, i, path.clone(), out);
                    match chars.get(*i) {
                        Some(',') => *i += 1,
                        Some('}') => {
                            *i += 1;
                            break;
                        }
                        _ => break,
                    }
                    while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
                        *i += 1;
                    }
                    if chars.get(*i) == Some(&'}') {
                        *i += 1;
                        break;
                    }
                }
                return;
            } else if c.is_whitespace() && word.is_empty() {
                *i += 1;
            } else {
                break;
            }
        }
        if !word.is_empty() && word != "self" {
            path.push(word);
        }
        out.push(path);
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    tree(&chars, &mut i, Vec::new(), &mut out);
    out
}

/// The modules a file imports (longest known module prefix of each path).
fn imports(
    me: &[String],
    source: &str,
    known: &BTreeMap<Vec<String>, PathBuf>,
) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    let code: String = source
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    {
        let code = code.as_str();
        for (anchor, base) in [
            ("crate::", Vec::new()),
            ("super::", {
                let mut b = me.to_vec();
                b.pop();
                b
            }),
        ] {
            let mut rest = code;
            while let Some(at) = rest.find(anchor) {
                let after = &rest[at + anchor.len()..];
                for path in expand(after) {
                    let mut full = base.clone();
                    full.extend(path);
                    while !full.is_empty() && !known.contains_key(&full) {
                        full.pop();
                    }
                    if !full.is_empty() && full != me {
                        found.insert(full);
                    }
                }
                rest = after;
            }
        }
    }
    found
}

fn graph() -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut known = BTreeMap::new();
    modules(&src, &[], &mut known);
    known
        .iter()
        .map(|(m, file)| {
            let source = std::fs::read_to_string(file).unwrap_or_default();
            // A parent module declaring its children (`pub mod x;`) is not an import.
            (m.clone(), imports(m, &source, &known))
        })
        .collect()
}

fn name(m: &[String]) -> String {
    if m.is_empty() {
        "lib".to_owned()
    } else {
        m.join("::")
    }
}

#[test]
fn expands_use_trees() {
    let got: Vec<String> = expand("app::{self, conversations::Act};")
        .iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(got, ["app", "app::conversations::Act"]);
    let got: Vec<String> = expand("{cache, channels, hub};")
        .iter()
        .map(|p| p.join("::"))
        .collect();
    assert_eq!(got, ["cache", "channels", "hub"]);
}

#[test]
fn no_import_circles() {
    let g = graph();
    assert!(
        g.len() > 30,
        "the source was not found: {} modules",
        g.len()
    );
    // Depth-first search for a cycle; the root (lib.rs) wires everything and is left out.
    fn visit(
        m: &Vec<String>,
        g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        path: &mut Vec<Vec<String>>,
        done: &mut BTreeSet<Vec<String>>,
    ) -> Option<Vec<Vec<String>>> {
        if let Some(at) = path.iter().position(|p| p == m) {
            let mut cycle = path[at..].to_vec();
            cycle.push(m.clone());
            return Some(cycle);
        }
        if done.contains(m) {
            return None;
        }
        path.push(m.clone());
        for next in g.get(m).into_iter().flatten() {
            if next.is_empty() {
                continue;
            }
            if let Some(c) = visit(next, g, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(m.clone());
        None
    }
    let mut done = BTreeSet::new();
    for m in g.keys().filter(|m| !m.is_empty()) {
        if let Some(cycle) = visit(m, &g, &mut Vec::new(), &mut done) {
            let shown: Vec<String> = cycle.iter().map(|m| name(m)).collect();
            panic!("import circle: {}", shown.join(" → "));
        }
    }
}

#[test]
fn the_low_floor_imports_no_handler() {
    let g = graph();
    let handlers = [
        "admin",
        "auth",
        "conversations",
        "explorer",
        "people",
        "routing",
        "openapi",
        "web",
        "channels::inbound",
        "channels::replies",
    ];
    for (m, deps) in &g {
        let low = matches!(
            m.first().map(String::as_str),
            Some("state" | "caller" | "attempt" | "hub" | "app")
        );
        if !low {
            continue;
        }
        for d in deps {
            let d = name(d);
            assert!(
                !handlers
                    .iter()
                    .any(|h| d == *h || d.starts_with(&format!("{h}::"))),
                "{} (low floor) imports the handler module {d}",
                name(m)
            );
        }
    }
}
