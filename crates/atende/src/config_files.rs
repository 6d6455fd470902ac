//! Where the files of messages are kept (`files_s3_*` keys): `<data_dir>/files` by default, or an
//! S3-compatible bucket (AWS S3, MinIO, Garage...) when `files_s3_bucket` is set, as several nodes
//! sharing one PostgreSQL database must.
//!
//! The keys are read like the others (file < environment), each value checked where it was
//! written; once every layer is applied, [`check`] makes sure that a bucket comes with both
//! credentials and that no credential or endpoint was given without a bucket. The secret access
//! key is a [`Secret`]: it prints as `***` and no error repeats it.

use std::ops::Range;

use server::files::{Location, S3Settings};

use super::{Config, ConfigError, FileConfig, Origin, Secret};

/// Environment variable of `files_s3_bucket`.
pub const ENV_FILES_S3_BUCKET: &str = "ATENDE_FILES_S3_BUCKET";
/// Environment variable of `files_s3_endpoint`.
pub const ENV_FILES_S3_ENDPOINT: &str = "ATENDE_FILES_S3_ENDPOINT";
/// Environment variable of `files_s3_region`.
pub const ENV_FILES_S3_REGION: &str = "ATENDE_FILES_S3_REGION";
/// Environment variable of `files_s3_access_key_id`.
pub const ENV_FILES_S3_ACCESS_KEY_ID: &str = "ATENDE_FILES_S3_ACCESS_KEY_ID";
/// Environment variable of `files_s3_secret_access_key`.
pub const ENV_FILES_S3_SECRET_ACCESS_KEY: &str = "ATENDE_FILES_S3_SECRET_ACCESS_KEY";

/// The region used when `files_s3_region` is not given.
pub const DEFAULT_REGION: &str = "us-east-1";

const BUCKET: &str = "files_s3_bucket";
const ENDPOINT: &str = "files_s3_endpoint";
const REGION: &str = "files_s3_region";
const ACCESS_KEY_ID: &str = "files_s3_access_key_id";
const SECRET_ACCESS_KEY: &str = "files_s3_secret_access_key";

/// The `files_s3_*` settings. `Debug` prints the secret access key as `***`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilesS3 {
    /// The bucket; `None`: files stay in `<data_dir>/files`.
    pub bucket: Option<String>,
    /// The S3 server's URL (`https://…` or `http://…`); `None`: AWS.
    pub endpoint: Option<String>,
    /// The bucket's region.
    pub region: String,
    /// Access key id (required with a bucket).
    pub access_key_id: Option<String>,
    /// Secret access key (required with a bucket; never printed).
    pub secret_access_key: Option<Secret>,
}

impl Default for FilesS3 {
    fn default() -> Self {
        FilesS3 {
            bucket: None,
            endpoint: None,
            region: DEFAULT_REGION.to_owned(),
            access_key_id: None,
            secret_access_key: None,
        }
    }
}

/// Where the files are kept: the bucket when one is set, else `<data_dir>/files`.
pub(super) fn location(config: &Config) -> Location {
    let s3 = &config.files_s3;
    match &s3.bucket {
        // `check` made sure that both credentials come with the bucket.
        Some(bucket) => Location::S3(S3Settings {
            bucket: bucket.clone(),
            endpoint: s3.endpoint.clone(),
            region: s3.region.clone(),
            access_key_id: s3.access_key_id.clone().unwrap_or_default(),
            secret_access_key: s3
                .secret_access_key
                .as_ref()
                .map(|s| s.expose().to_owned())
                .unwrap_or_default(),
        }),
        None => Location::Directory(config.data_dir.join("files")),
    }
}

/// Reads the `files_s3_*` keys of the file; `origin` gives where a value's span was written.
pub(super) fn apply_file(
    s3: &mut FilesS3,
    file: &FileConfig,
    origin: &dyn Fn(Range<usize>) -> Origin,
) -> Result<(), ConfigError> {
    if let Some(v) = &file.files_s3_bucket {
        s3.bucket = Some(parse_bucket(v.get_ref(), || origin(v.span()))?);
    }
    if let Some(v) = &file.files_s3_endpoint {
        s3.endpoint = Some(parse_endpoint(v.get_ref(), || origin(v.span()))?);
    }
    if let Some(v) = &file.files_s3_region {
        s3.region = parse_region(v.get_ref(), || origin(v.span()))?;
    }
    if let Some(v) = &file.files_s3_access_key_id {
        s3.access_key_id = Some(parse_access_key_id(v.get_ref(), || origin(v.span()))?);
    }
    if let Some(v) = &file.files_s3_secret_access_key {
        s3.secret_access_key = Some(parse_secret(v.get_ref(), || origin(v.span()))?);
    }
    Ok(())
}

/// Reads the `ATENDE_FILES_S3_*` variables; `get` gives a variable's value when set and not
/// empty.
pub(super) fn apply_env(
    s3: &mut FilesS3,
    get: impl Fn(&str) -> Option<String>,
) -> Result<(), ConfigError> {
    if let Some(v) = get(ENV_FILES_S3_BUCKET) {
        s3.bucket = Some(parse_bucket(v.trim(), || Origin::Env(ENV_FILES_S3_BUCKET))?);
    }
    if let Some(v) = get(ENV_FILES_S3_ENDPOINT) {
        s3.endpoint = Some(parse_endpoint(v.trim(), || {
            Origin::Env(ENV_FILES_S3_ENDPOINT)
        })?);
    }
    if let Some(v) = get(ENV_FILES_S3_REGION) {
        s3.region = parse_region(v.trim(), || Origin::Env(ENV_FILES_S3_REGION))?;
    }
    if let Some(v) = get(ENV_FILES_S3_ACCESS_KEY_ID) {
        s3.access_key_id = Some(parse_access_key_id(v.trim(), || {
            Origin::Env(ENV_FILES_S3_ACCESS_KEY_ID)
        })?);
    }
    if let Some(v) = get(ENV_FILES_S3_SECRET_ACCESS_KEY) {
        s3.secret_access_key = Some(parse_secret(v.trim(), || {
            Origin::Env(ENV_FILES_S3_SECRET_ACCESS_KEY)
        })?);
    }
    Ok(())
}

/// Once every layer is applied: a bucket needs both credentials, and the endpoint and the
/// credentials need a bucket.
pub(super) fn check(config: &Config) -> Result<(), ConfigError> {
    let s3 = &config.files_s3;
    let named = |keys: &[(&str, &str)]| {
        keys.iter()
            .map(|(key, env)| format!("{key} ({env})"))
            .collect::<Vec<_>>()
            .join(" and ")
    };
    let dir = config.data_dir.join("files");
    let dir = dir.display();
    let in_file = match &config.file {
        Some(path) => format!("in {} or the environment", path.display()),
        None => "in atende.toml or the environment".to_owned(),
    };
    if s3.bucket.is_some() {
        let missing: Vec<(&str, &str)> = [
            (
                ACCESS_KEY_ID,
                ENV_FILES_S3_ACCESS_KEY_ID,
                s3.access_key_id.is_none(),
            ),
            (
                SECRET_ACCESS_KEY,
                ENV_FILES_S3_SECRET_ACCESS_KEY,
                s3.secret_access_key.is_none(),
            ),
        ]
        .into_iter()
        .filter_map(|(key, env, missing)| missing.then_some((key, env)))
        .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let verb = if missing.len() == 1 { "is" } else { "are" };
        return Err(ConfigError::Incomplete {
            message: format!(
                "{BUCKET} is set, so files go to that bucket, but {} {verb} not set: set the bucket's credentials {in_file}, or leave {BUCKET} out to keep files in {dir}",
                named(&missing)
            ),
        });
    }
    let stray: Vec<(&str, &str)> = [
        (ENDPOINT, ENV_FILES_S3_ENDPOINT, s3.endpoint.is_some()),
        (
            ACCESS_KEY_ID,
            ENV_FILES_S3_ACCESS_KEY_ID,
            s3.access_key_id.is_some(),
        ),
        (
            SECRET_ACCESS_KEY,
            ENV_FILES_S3_SECRET_ACCESS_KEY,
            s3.secret_access_key.is_some(),
        ),
    ]
    .into_iter()
    .filter_map(|(key, env, set)| set.then_some((key, env)))
    .collect();
    if stray.is_empty() {
        return Ok(());
    }
    let verb = if stray.len() == 1 { "is" } else { "are" };
    Err(ConfigError::Incomplete {
        message: format!(
            "{} {verb} set but {BUCKET} ({ENV_FILES_S3_BUCKET}) is not: set {BUCKET} {in_file} to keep files in that S3 bucket, or remove {} to keep them in {dir}",
            named(&stray),
            stray
                .iter()
                .map(|(key, _)| *key)
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    })
}

/// A bucket name: letters, digits, dots, hyphens and underscores.
fn parse_bucket(value: &str, origin: impl FnOnce() -> Origin) -> Result<String, ConfigError> {
    let valid = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if valid {
        Ok(value.to_owned())
    } else {
        Err(ConfigError::Invalid {
            origin: origin(),
            key: BUCKET,
            message: format!(
                "`{value}` is not a bucket name: write the name of an existing bucket, such as atende-files (letters, digits, dots and hyphens), or leave the key out to keep files in <data_dir>/files"
            ),
        })
    }
}

/// The S3 server's URL: `https://HOST[:PORT]`, or `http://` for a server on your own network.
/// The scheme is lower-cased and a trailing `/` dropped.
fn parse_endpoint(value: &str, origin: impl FnOnce() -> Origin) -> Result<String, ConfigError> {
    let lower = value.to_ascii_lowercase();
    let rest = ["https://", "http://"].into_iter().find_map(|scheme| {
        lower
            .starts_with(scheme)
            .then(|| (scheme, value.get(scheme.len()..).unwrap_or_default()))
    });
    match rest {
        Some((scheme, rest))
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !rest.chars().any(char::is_whitespace) =>
        {
            Ok(format!("{scheme}{}", rest.trim_end_matches('/')))
        }
        _ => Err(ConfigError::Invalid {
            origin: origin(),
            key: ENDPOINT,
            message: format!(
                "`{value}` is not an https:// or http:// URL: write the S3 server's address, such as https://s3.sa-east-1.amazonaws.com or http://minio.internal:9000 (http:// only for a server on your own network), or leave the key out to use AWS S3"
            ),
        }),
    }
}

/// A region name, without spaces.
fn parse_region(value: &str, origin: impl FnOnce() -> Origin) -> Result<String, ConfigError> {
    if !value.is_empty() && !value.chars().any(char::is_whitespace) {
        Ok(value.to_owned())
    } else {
        Err(ConfigError::Invalid {
            origin: origin(),
            key: REGION,
            message: format!(
                "`{value}` is not a region: write the bucket's region, such as {DEFAULT_REGION} or sa-east-1 ({DEFAULT_REGION} when the server does not care)"
            ),
        })
    }
}

/// An access key id: not empty, no spaces. The error does not repeat it.
fn parse_access_key_id(
    value: &str,
    origin: impl FnOnce() -> Origin,
) -> Result<String, ConfigError> {
    if !value.is_empty() && !value.chars().any(char::is_whitespace) {
        Ok(value.to_owned())
    } else {
        Err(ConfigError::Invalid {
            origin: origin(),
            key: ACCESS_KEY_ID,
            message: "empty or with spaces (the value is not shown): write the access key id the S3 server gave for the bucket".to_owned(),
        })
    }
}

/// A secret access key: not empty, no spaces. The error never repeats it.
fn parse_secret(value: &str, origin: impl FnOnce() -> Origin) -> Result<Secret, ConfigError> {
    if !value.is_empty() && !value.chars().any(char::is_whitespace) {
        Ok(Secret::new(value))
    } else {
        Err(ConfigError::Invalid {
            origin: origin(),
            key: SECRET_ACCESS_KEY,
            message: format!(
                "empty or with spaces (the value is not shown): write the secret access key that goes with the access key id, preferably in the environment variable {ENV_FILES_S3_SECRET_ACCESS_KEY}"
            ),
        })
    }
}

#[cfg(test)]
#[path = "config_files_tests.rs"]
mod tests;
