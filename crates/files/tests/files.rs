//! The file store on a real directory and, when `ATENDE_TEST_S3_URL` names one (required under
//! CI; `scripts/s3-test-server` starts one), a real S3-compatible server: streamed writes with
//! their size and SHA-256, the size limit leaving nothing behind, reads in chunks, deletes.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails loudly"
)]

use bytes::Bytes;
use files::{Files, FilesError, S3Settings, new_key};
use futures_util::StreamExt as _;
use sha2::{Digest as _, Sha256};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// `n` chunks of 1 MiB, each a different byte.
fn chunks(n: u8) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send {
    futures_util::stream::iter((0..n).map(|i| Ok(Bytes::from(vec![i; 1 << 20]))))
}

async fn read_all(files: &Files, key: &str) -> Vec<u8> {
    let mut r = files.get(key).await.unwrap();
    let mut out = Vec::new();
    let mut pieces = 0;
    while let Some(c) = r.chunks.next().await {
        out.extend_from_slice(&c.unwrap());
        pieces += 1;
    }
    assert_eq!(r.size as usize, out.len());
    assert!(out.is_empty() || pieces >= 1);
    out
}

async fn story(files: &Files) {
    files.check().await.unwrap();
    // 12 MiB: more than two S3 parts.
    let k = new_key("test").unwrap();
    let w = files.put(&k, chunks(12), 64 << 20).await.unwrap();
    assert_eq!(w.size, 12 << 20);
    let back = read_all(files, &k).await;
    assert_eq!(back.len(), 12 << 20);
    assert_eq!(<[u8; 32]>::from(Sha256::digest(&back)), w.sha256);
    assert_eq!(back[(5 << 20) + 1], 5);

    // Beyond the limit: refused, and nothing is left under the key.
    let big = new_key("test").unwrap();
    match files.put(&big, chunks(7), 6 << 20).await {
        Err(FilesError::TooLarge { limit }) => assert_eq!(limit, 6 << 20),
        other => panic!("{other:?}"),
    }
    assert!(matches!(files.get(&big).await, Err(FilesError::NotFound)));

    // A source that breaks off: nothing stored.
    let broken = new_key("test").unwrap();
    let source = futures_util::stream::iter([
        Ok(Bytes::from_static(b"half")),
        Err(std::io::Error::other("connection reset")),
    ]);
    assert!(matches!(
        files.put(&broken, source, 1 << 20).await,
        Err(FilesError::Source(_))
    ));
    assert!(matches!(
        files.get(&broken).await,
        Err(FilesError::NotFound)
    ));

    files.delete(&k).await.unwrap();
    assert!(matches!(files.get(&k).await, Err(FilesError::NotFound)));
    files.delete(&k).await.unwrap();
}

/// Many readings of a local file at once, each taken up and left waiting in turn: a reading
/// holds a reader only while a chunk is read, so none waits for another to finish.
async fn interleaved(files: &Files) {
    let k = new_key("test").unwrap();
    files.put(&k, chunks(2), 64 << 20).await.unwrap();
    let mut readings = Vec::new();
    for _ in 0..16 {
        let mut r = files.get(&k).await.unwrap();
        let first = r.chunks.next().await.unwrap().unwrap();
        assert!(
            !first.is_empty() && first.len() <= 64 * 1024,
            "{}",
            first.len()
        );
        readings.push((r, first.len()));
    }
    for (mut r, mut got) in readings {
        while let Some(c) = r.chunks.next().await {
            got += c.unwrap().len();
        }
        assert_eq!(got, 2 << 20);
    }
    files.delete(&k).await.unwrap();
}

#[test]
fn files_in_a_directory() {
    let dir = std::env::temp_dir().join(format!("atende-files-test-{}", std::process::id()));
    let files = Files::directory(&dir).unwrap();
    runtime().block_on(async {
        story(&files).await;
        interleaved(&files).await;
    });
    std::fs::remove_dir_all(&dir).ok();
}

/// `ATENDE_TEST_S3_URL`: `http://KEY:SECRET@127.0.0.1:PORT/BUCKET`.
fn s3_settings() -> Option<S3Settings> {
    let url = match std::env::var("ATENDE_TEST_S3_URL") {
        Ok(u) if !u.is_empty() => u,
        _ => {
            assert!(
                std::env::var("CI").is_err(),
                "under CI the S3 tests need ATENDE_TEST_S3_URL"
            );
            eprintln!(
                "ATENDE_TEST_S3_URL is not set: skipping the S3 half (scripts/s3-test-server starts one)"
            );
            return None;
        }
    };
    let rest = url.strip_prefix("http://").unwrap();
    let (creds, rest) = rest.split_once('@').unwrap();
    let (key, secret) = creds.split_once(':').unwrap();
    let (host, bucket) = rest.split_once('/').unwrap();
    Some(S3Settings {
        bucket: bucket.to_owned(),
        endpoint: Some(format!("http://{host}")),
        region: "us-east-1".to_owned(),
        access_key_id: key.to_owned(),
        secret_access_key: secret.to_owned(),
    })
}

#[test]
fn files_in_an_s3_bucket() {
    let Some(s) = s3_settings() else { return };
    let files = Files::s3(&s).unwrap();
    runtime().block_on(story(&files));
}
