//! A thin typed view over saphyr's marked YAML tree: every value knows its line, and every
//! mismatch becomes a [`Problem`] that says what was expected where.

use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

/// One thing wrong with a file, at a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line.
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl Problem {
    pub(crate) fn new(line: usize, message: impl Into<String>) -> Problem {
        Problem {
            line,
            message: message.into(),
        }
    }
}

/// A YAML node and its line.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a, 'i> {
    pub(crate) yaml: &'a MarkedYaml<'i>,
}

pub(crate) fn load(text: &str) -> Result<MarkedYaml<'_>, Problem> {
    let mut docs = MarkedYaml::load_from_str(text).map_err(|e| {
        let line = e.marker().line().max(1);
        Problem::new(line, format!("this is not valid YAML: {}", e.info()))
    })?;
    match docs.len() {
        0 => Err(Problem::new(
            1,
            "the file is empty: an access test file needs at least `name:` and `expect:`",
        )),
        1 => Ok(docs.remove(0)),
        _ => Err(Problem::new(
            docs.get(1).map_or(1, |d| d.span.start.line().max(1)),
            "the file holds several YAML documents (`---`): write one account per file",
        )),
    }
}

impl<'a, 'i> Node<'a, 'i> {
    pub(crate) fn line(&self) -> usize {
        self.yaml.span.start.line().max(1)
    }

    fn kind(&self) -> &'static str {
        match &self.yaml.data {
            YamlData::Value(Scalar::Null) => "nothing (null)",
            YamlData::Value(Scalar::Boolean(_)) => "a boolean",
            YamlData::Value(Scalar::Integer(_)) => "a number",
            YamlData::Value(Scalar::FloatingPoint(_)) => "a number",
            YamlData::Value(Scalar::String(_)) => "a string",
            YamlData::Sequence(_) => "a list",
            YamlData::Mapping(_) => "a mapping",
            _ => "an unsupported YAML construct (tag or alias)",
        }
    }

    fn wrong(&self, what: &str, expected: &str) -> Problem {
        Problem::new(
            self.line(),
            format!("{what} must be {expected}, found {}", self.kind()),
        )
    }

    /// A string scalar; numbers are accepted as ids and written back as text.
    pub(crate) fn string(&self, what: &str) -> Result<String, Problem> {
        match &self.yaml.data {
            YamlData::Value(Scalar::String(s)) => Ok(s.to_string()),
            YamlData::Value(Scalar::Integer(i)) => Ok(i.to_string()),
            _ => Err(self.wrong(what, "a string")),
        }
    }

    pub(crate) fn bool(&self, what: &str) -> Result<bool, Problem> {
        match &self.yaml.data {
            YamlData::Value(Scalar::Boolean(b)) => Ok(*b),
            _ => Err(self.wrong(what, "true or false")),
        }
    }

    pub(crate) fn is_null(&self) -> bool {
        matches!(self.yaml.data, YamlData::Value(Scalar::Null))
    }

    /// A list; `null` (a key with nothing after it) counts as an empty list.
    pub(crate) fn list(&self, what: &str) -> Result<Vec<Node<'a, 'i>>, Problem> {
        match &self.yaml.data {
            YamlData::Sequence(items) => Ok(items.iter().map(|yaml| Node { yaml }).collect()),
            YamlData::Value(Scalar::Null) => Ok(Vec::new()),
            _ => Err(self.wrong(what, "a list")),
        }
    }

    /// A mapping with string keys, in file order.
    pub(crate) fn map(&self, what: &str) -> Result<Map<'a, 'i>, Problem> {
        match &self.yaml.data {
            YamlData::Mapping(m) => {
                let mut entries = Vec::new();
                for (k, v) in m {
                    let key = Node { yaml: k };
                    let name = key.string(&format!("a key of {what}"))?;
                    entries.push((name, key.line(), Node { yaml: v }));
                }
                Ok(Map {
                    what: what.to_owned(),
                    line: self.line(),
                    entries,
                })
            }
            _ => Err(self.wrong(what, "a mapping (`key: value` lines or `{ key: value }`)")),
        }
    }

    pub(crate) fn is_map(&self) -> bool {
        matches!(self.yaml.data, YamlData::Mapping(_))
    }
}

/// A mapping's entries, checked against the keys its context allows.
pub(crate) struct Map<'a, 'i> {
    pub(crate) what: String,
    pub(crate) line: usize,
    entries: Vec<(String, usize, Node<'a, 'i>)>,
}

impl<'a, 'i> Map<'a, 'i> {
    /// Problems for every key not in `allowed`.
    pub(crate) fn unknown_keys(&self, allowed: &[&str], problems: &mut Vec<Problem>) {
        for (key, line, _) in &self.entries {
            if !allowed.contains(&key.as_str()) {
                let hint = crate::suggest(key, allowed.iter().copied())
                    .map(|s| format!("did you mean `{s}`? "))
                    .unwrap_or_default();
                problems.push(Problem::new(
                    *line,
                    format!(
                        "unknown key `{key}` in {}: {hint}allowed keys are {}",
                        self.what,
                        allowed.join(", ")
                    ),
                ));
            }
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<Node<'a, 'i>> {
        self.entries
            .iter()
            .find(|(k, _, _)| k == key)
            .map(|(_, _, v)| *v)
    }

    pub(crate) fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub(crate) fn require(&self, key: &str) -> Result<Node<'a, 'i>, Problem> {
        self.get(key).ok_or_else(|| {
            Problem::new(
                self.line,
                format!("{} is missing the required key `{key}`", self.what),
            )
        })
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, usize, Node<'a, 'i>)> {
        self.entries.iter().map(|(k, l, v)| (k.as_str(), *l, *v))
    }
}
