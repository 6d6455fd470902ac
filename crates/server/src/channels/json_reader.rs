//! Reading a JSON body member by member, each error naming its path from the root
//! (`entry[0].changes[1].value.messages[0].timestamp`): the WhatsApp Cloud API's deliveries are
//! read this way ([`super::whatsapp::parse`]).

use serde_json::{Map, Value};

/// A webhook body that is not a Cloud API notification: what is wrong, and where (a JSON path
/// such as `entry[0].changes[1].value.messages[0].timestamp`; empty for the body itself).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// Where, from the root of the body.
    pub path: String,
    /// What is wrong.
    pub problem: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.problem)
        } else {
            write!(f, "{}: {}", self.path, self.problem)
        }
    }
}

impl std::error::Error for ParseError {}

/// A JSON value and its path from the root, for error messages.
pub(crate) struct Node<'v> {
    pub(crate) value: &'v Value,
    pub(crate) path: String,
}

impl<'v> Node<'v> {
    pub(crate) fn err(&self, problem: impl Into<String>) -> ParseError {
        ParseError {
            path: self.path.clone(),
            problem: problem.into(),
        }
    }

    pub(crate) fn child_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    pub(crate) fn object(&self) -> Result<&'v Map<String, Value>, ParseError> {
        self.value
            .as_object()
            .ok_or_else(|| self.err(format!("expected an object, found {}", kind(self.value))))
    }

    /// The member `key` of this object; absent and `null` are `None`.
    pub(crate) fn opt(&self, key: &str) -> Result<Option<Node<'v>>, ParseError> {
        Ok(match self.object()?.get(key) {
            None | Some(Value::Null) => None,
            Some(value) => Some(Node {
                value,
                path: self.child_path(key),
            }),
        })
    }

    pub(crate) fn get(&self, key: &str) -> Result<Node<'v>, ParseError> {
        self.opt(key)?.ok_or_else(|| ParseError {
            path: self.child_path(key),
            problem: "missing".to_owned(),
        })
    }

    pub(crate) fn str(&self) -> Result<&'v str, ParseError> {
        self.value
            .as_str()
            .ok_or_else(|| self.err(format!("expected a string, found {}", kind(self.value))))
    }

    /// A required string member.
    pub(crate) fn string(&self, key: &str) -> Result<String, ParseError> {
        Ok(self.get(key)?.str()?.to_owned())
    }

    /// A required string member that must not be empty (ids).
    pub(crate) fn id(&self, key: &str) -> Result<String, ParseError> {
        let node = self.get(key)?;
        match node.str()? {
            "" => Err(node.err("empty")),
            s => Ok(s.to_owned()),
        }
    }

    /// An optional boolean member (absent: `false`).
    pub(crate) fn flag(&self, key: &str) -> Result<bool, ParseError> {
        match self.opt(key)? {
            None => Ok(false),
            Some(n) => n
                .value
                .as_bool()
                .ok_or_else(|| n.err(format!("expected a boolean, found {}", kind(n.value)))),
        }
    }

    pub(crate) fn opt_string(&self, key: &str) -> Result<Option<String>, ParseError> {
        self.opt(key)?
            .map(|n| n.str().map(str::to_owned))
            .transpose()
    }

    pub(crate) fn items(&self) -> Result<Vec<Node<'v>>, ParseError> {
        let array = self
            .value
            .as_array()
            .ok_or_else(|| self.err(format!("expected an array, found {}", kind(self.value))))?;
        Ok(array
            .iter()
            .enumerate()
            .map(|(i, value)| Node {
                value,
                path: format!("{}[{i}]", self.path),
            })
            .collect())
    }

    /// The elements of an optional array member (absent: none).
    pub(crate) fn opt_items(&self, key: &str) -> Result<Vec<Node<'v>>, ParseError> {
        self.opt(key)?.map_or_else(|| Ok(Vec::new()), |n| n.items())
    }

    pub(crate) fn number(&self, key: &str) -> Result<f64, ParseError> {
        let node = self.get(key)?;
        node.value
            .as_f64()
            .ok_or_else(|| node.err(format!("expected a number, found {}", kind(node.value))))
    }

    /// Unix seconds: a string of digits (what Meta sends) or a JSON integer.
    pub(crate) fn timestamp(&self, key: &str) -> Result<i64, ParseError> {
        let node = self.get(key)?;
        match node.value {
            Value::String(s) => s.parse::<i64>().ok(),
            Value::Number(n) => n.as_i64(),
            _ => None,
        }
        .ok_or_else(|| node.err("expected Unix seconds (a string of digits)"))
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
