//! Tests of the `files_s3_*` keys (`config_files.rs`).

use std::path::PathBuf;

use super::*;
use crate::config::Overrides;
use crate::config::tests::{TempDir, env_of, load_isolated, no_env, with_file};

const SECRET: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY";

fn s3(bucket: &str, endpoint: Option<&str>, region: &str, key_id: &str) -> Location {
    Location::S3(S3Settings {
        bucket: bucket.to_owned(),
        endpoint: endpoint.map(str::to_owned),
        region: region.to_owned(),
        access_key_id: key_id.to_owned(),
        secret_access_key: SECRET.to_owned(),
    })
}

/// Loads `text` as the configuration file, with `env`.
fn load_file(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
    let dir = TempDir::new();
    let path = dir.file("atende.toml", text);
    load_isolated(&with_file(&path), env)
}

#[test]
fn no_bucket_keeps_files_in_the_data_directory() {
    let c = load_isolated(&Overrides::default(), &no_env).unwrap();
    assert_eq!(c.files_s3, FilesS3::default());
    assert_eq!(c.files_s3.region, "us-east-1");
    assert_eq!(
        c.files(),
        Location::Directory(PathBuf::from("./data/files"))
    );
    let flags = Overrides {
        data_dir: Some(PathBuf::from("/srv/atende")),
        ..Overrides::default()
    };
    // A region alone (it has a default) is no reason to leave the directory.
    let env = env_of(&[("ATENDE_FILES_S3_REGION", "sa-east-1")]);
    let c = load_isolated(&flags, &env).unwrap();
    assert_eq!(
        c.files(),
        Location::Directory(PathBuf::from("/srv/atende/files"))
    );
}

#[test]
fn file_keys_give_the_s3_location() {
    let text = format!(
        "files_s3_bucket = \"atende-files\"\n\
         files_s3_endpoint = \"http://minio.internal:9000\"\n\
         files_s3_region = \"garage\"\n\
         files_s3_access_key_id = \"GK31c2f218a2e44f485b94239e\"\n\
         files_s3_secret_access_key = \"{SECRET}\"\n"
    );
    let c = load_file(&text, &no_env).unwrap();
    assert_eq!(
        c.files(),
        s3(
            "atende-files",
            Some("http://minio.internal:9000"),
            "garage",
            "GK31c2f218a2e44f485b94239e"
        )
    );
}

#[test]
fn env_keys_give_the_s3_location() {
    let env = env_of(&[
        ("ATENDE_FILES_S3_BUCKET", " atende-files "),
        ("ATENDE_FILES_S3_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("ATENDE_FILES_S3_SECRET_ACCESS_KEY", SECRET),
        // Empty counts as not set.
        ("ATENDE_FILES_S3_ENDPOINT", ""),
    ]);
    let c = load_isolated(&Overrides::default(), &env).unwrap();
    assert_eq!(
        c.files(),
        s3("atende-files", None, "us-east-1", "AKIAIOSFODNN7EXAMPLE")
    );
    let env = env_of(&[
        ("ATENDE_FILES_S3_BUCKET", "atende-files"),
        (
            "ATENDE_FILES_S3_ENDPOINT",
            "HTTPS://s3.sa-east-1.amazonaws.com/",
        ),
        ("ATENDE_FILES_S3_REGION", "sa-east-1"),
        ("ATENDE_FILES_S3_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("ATENDE_FILES_S3_SECRET_ACCESS_KEY", SECRET),
    ]);
    let c = load_isolated(&Overrides::default(), &env).unwrap();
    assert_eq!(
        c.files(),
        s3(
            "atende-files",
            Some("https://s3.sa-east-1.amazonaws.com"),
            "sa-east-1",
            "AKIAIOSFODNN7EXAMPLE"
        )
    );
}

#[test]
fn env_overrides_file() {
    let text = "files_s3_bucket = \"from-file\"\n\
                files_s3_endpoint = \"http://minio.internal:9000\"\n\
                files_s3_region = \"file-region\"\n\
                files_s3_access_key_id = \"FILEKEY\"\n\
                files_s3_secret_access_key = \"file-secret\"\n";
    let env = env_of(&[
        ("ATENDE_FILES_S3_BUCKET", "from-env"),
        ("ATENDE_FILES_S3_ENDPOINT", "https://garage.example.com"),
        ("ATENDE_FILES_S3_REGION", "garage"),
        ("ATENDE_FILES_S3_ACCESS_KEY_ID", "ENVKEY"),
        ("ATENDE_FILES_S3_SECRET_ACCESS_KEY", SECRET),
    ]);
    let c = load_file(text, &env).unwrap();
    assert_eq!(
        c.files(),
        s3(
            "from-env",
            Some("https://garage.example.com"),
            "garage",
            "ENVKEY"
        )
    );
    // The file's bucket with the environment's credentials is complete too.
    let text = "files_s3_bucket = \"from-file\"\n";
    let env = env_of(&[
        ("ATENDE_FILES_S3_ACCESS_KEY_ID", "ENVKEY"),
        ("ATENDE_FILES_S3_SECRET_ACCESS_KEY", SECRET),
    ]);
    let c = load_file(text, &env).unwrap();
    assert_eq!(c.files(), s3("from-file", None, "us-east-1", "ENVKEY"));
}

#[test]
fn a_bucket_without_credentials_names_the_missing_keys() {
    let err = load_file("files_s3_bucket = \"atende-files\"\n", &no_env).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, ConfigError::Incomplete { .. }), "{err:?}");
    for part in [
        "files_s3_access_key_id (ATENDE_FILES_S3_ACCESS_KEY_ID)",
        "files_s3_secret_access_key (ATENDE_FILES_S3_SECRET_ACCESS_KEY)",
        "atende.toml or the environment",
        "leave files_s3_bucket out to keep files in ./data/files",
    ] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
    let env = env_of(&[
        ("ATENDE_FILES_S3_BUCKET", "atende-files"),
        ("ATENDE_FILES_S3_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
    ]);
    let msg = load_isolated(&Overrides::default(), &env)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("files_s3_secret_access_key (ATENDE_FILES_S3_SECRET_ACCESS_KEY) is not set"),
        "{msg}"
    );
    assert!(!msg.contains("ATENDE_FILES_S3_ACCESS_KEY_ID"), "{msg}");
}

#[test]
fn credentials_or_endpoint_without_a_bucket_are_refused() {
    let env = env_of(&[
        ("ATENDE_FILES_S3_ENDPOINT", "http://minio.internal:9000"),
        ("ATENDE_FILES_S3_SECRET_ACCESS_KEY", SECRET),
    ]);
    let err = load_isolated(&Overrides::default(), &env).unwrap_err();
    let msg = err.to_string();
    for part in [
        "files_s3_endpoint (ATENDE_FILES_S3_ENDPOINT)",
        "files_s3_secret_access_key (ATENDE_FILES_S3_SECRET_ACCESS_KEY)",
        "files_s3_bucket (ATENDE_FILES_S3_BUCKET) is not",
        "to keep them in ./data/files",
    ] {
        assert!(msg.contains(part), "{part}: {msg}");
    }
    assert!(!msg.contains(SECRET) && !format!("{err:?}").contains(SECRET));
    let err = load_file("files_s3_access_key_id = \"AKIA\"\n", &no_env).unwrap_err();
    assert!(
        err.to_string()
            .contains("files_s3_access_key_id (ATENDE_FILES_S3_ACCESS_KEY_ID) is set"),
        "{err}"
    );
}

#[test]
fn an_endpoint_that_is_not_http_names_the_line_or_the_variable() {
    for bad in [
        "ftp://minio.internal",
        "minio.internal:9000",
        "s3://bucket",
        "https://",
    ] {
        let text = format!("files_s3_bucket = \"b\"\nfiles_s3_endpoint = \"{bad}\"\n");
        let msg = load_file(&text, &no_env).unwrap_err().to_string();
        assert!(
            msg.contains("atende.toml line 2: files_s3_endpoint: ")
                && msg.contains(&format!("`{bad}` is not an https:// or http:// URL")),
            "{msg}"
        );
        assert!(msg.contains("http://minio.internal:9000"), "{msg}");
    }
    let env = env_of(&[("ATENDE_FILES_S3_ENDPOINT", "minio:9000")]);
    let msg = load_isolated(&Overrides::default(), &env)
        .unwrap_err()
        .to_string();
    assert!(
        msg.starts_with("environment variable ATENDE_FILES_S3_ENDPOINT: files_s3_endpoint: "),
        "{msg}"
    );
}

#[test]
fn bad_values_are_named_and_the_secret_is_never_echoed() {
    let msg = load_file("files_s3_bucket = \"my bucket\"\n", &no_env)
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("atende.toml line 1: files_s3_bucket: `my bucket` is not a bucket name"),
        "{msg}"
    );
    let msg = load_file("\nfiles_s3_region = \"\"\n", &no_env)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("line 2: files_s3_region"), "{msg}");
    let msg = load_file("files_s3_bucket = 3\n", &no_env)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("line 1: files_s3_bucket: "), "{msg}");
    let env = env_of(&[("ATENDE_FILES_S3_SECRET_ACCESS_KEY", "not so secret")]);
    let err = load_isolated(&Overrides::default(), &env).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("ATENDE_FILES_S3_SECRET_ACCESS_KEY: files_s3_secret_access_key"),
        "{msg}"
    );
    assert!(!msg.contains("not so secret") && !format!("{err:?}").contains("not so secret"));
}

#[test]
fn the_secret_never_appears_in_debug() {
    let env = env_of(&[
        ("ATENDE_FILES_S3_BUCKET", "atende-files"),
        ("ATENDE_FILES_S3_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"),
        ("ATENDE_FILES_S3_SECRET_ACCESS_KEY", SECRET),
    ]);
    let config = load_isolated(&Overrides::default(), &env).unwrap();
    for printed in [
        format!("{config:?}"),
        format!("{config:#?}"),
        format!("{:?}", config.files()),
    ] {
        assert!(!printed.contains(SECRET), "{printed}");
        assert!(printed.contains("***"), "{printed}");
    }
    assert_eq!(
        config
            .files_s3
            .secret_access_key
            .as_ref()
            .map(Secret::expose),
        Some(SECRET)
    );
}

#[test]
fn the_commented_out_examples_of_default_config_are_valid() {
    let text = DEFAULT_CONFIG_S3
        .iter()
        .fold(crate::config::DEFAULT_CONFIG.to_owned(), |text, key| {
            text.replace(&format!("# {key} = "), &format!("{key} = "))
        });
    let c = load_file(&text, &no_env).unwrap();
    assert_eq!(
        c.files(),
        Location::S3(S3Settings {
            bucket: "atende-files".to_owned(),
            endpoint: Some("https://minio.example.com:9000".to_owned()),
            region: "us-east-1".to_owned(),
            access_key_id: "...".to_owned(),
            secret_access_key: "...".to_owned(),
        })
    );
}

/// The S3 keys written commented out in `default-config.toml`.
const DEFAULT_CONFIG_S3: &[&str] = &[
    "files_s3_bucket",
    "files_s3_endpoint",
    "files_s3_access_key_id",
    "files_s3_secret_access_key",
];
