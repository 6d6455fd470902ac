//! Atende's file store: where the files of messages (photos, voice notes, documents...) live.
//!
//! One [`Files`] handle over the [`object_store`] trait, in one of two places:
//! - **the data directory** (`<data_dir>/files`, the default: zero configuration, one node), with
//!   every file flushed to disk (`fsync`, then its directory) before a write is reported done, so
//!   that what the database calls stored survives a power cut;
//! - **S3-compatible object storage** (AWS S3, MinIO, Ceph, Garage...), when several nodes share
//!   one PostgreSQL database and must see the same files.
//!
//! Files are streamed in and out in chunks, never held whole in memory: a write is a multipart
//! upload fed chunk by chunk (with its size limit and SHA-256 computed on the way), a read is a
//! stream of chunks. Keys are random; who may read a file is decided by the server, never by the
//! key.
//!
//! One exception to "everything through object_store": local files are read by this crate, in
//! chunks of 64 KiB, with as many chunks read at once as the machine has cores. object_store
//! reads them 8 KiB at a time, each on a blocking thread of its own, and a hundred downloads at
//! once then starve the rest of the server (BENCHMARKS.md, "Media": first byte p99 42 ms
//! before, 12–15 ms after).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream, StreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path as Key;
use object_store::{ObjectStore, WriteMultipart};
use sha2::{Digest as _, Sha256};

/// Bytes buffered before a part is uploaded (S3's smallest part is 5 MiB).
const PART: usize = 5 * 1024 * 1024;
/// Parts uploaded at once while writing, at most (memory: `PART` × this).
const PARTS_IN_FLIGHT: usize = 2;

/// Why a file operation failed.
#[derive(Debug, thiserror::Error)]
pub enum FilesError {
    /// The file grew beyond the limit given to [`Files::put`].
    #[error("the file is larger than {limit} bytes")]
    TooLarge {
        /// The limit, bytes.
        limit: u64,
    },
    /// Reading what was to be stored failed (the download or upload broke off).
    #[error("reading the file failed: {0}")]
    Source(String),
    /// No file under that key.
    #[error("no such file")]
    NotFound,
    /// The file store refused or failed (disk, permissions, the S3 server).
    #[error("the file store failed: {0}")]
    Store(String),
}

impl From<object_store::Error> for FilesError {
    fn from(e: object_store::Error) -> Self {
        match e {
            object_store::Error::NotFound { .. } => FilesError::NotFound,
            other => FilesError::Store(other.to_string()),
        }
    }
}

/// Settings of an S3-compatible bucket.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The bucket (it must exist).
    pub bucket: String,
    /// The server's URL (`https://s3.sa-east-1.amazonaws.com`, `http://minio:9000`); `None`: AWS.
    pub endpoint: Option<String>,
    /// The region (`us-east-1` when the server does not care).
    pub region: String,
    /// Access key id.
    pub access_key_id: String,
    /// Secret access key (never printed).
    pub secret_access_key: String,
}

impl std::fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"***")
            .finish()
    }
}

/// Where files are kept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A directory of this machine (created when missing).
    Directory(PathBuf),
    /// An S3-compatible bucket.
    S3(S3Settings),
}

/// What a write stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the bytes.
    pub sha256: [u8; 32],
}

/// A file being read: its size and its bytes as a stream of chunks.
pub struct Reading {
    /// Bytes.
    pub size: u64,
    /// The chunks, in order.
    pub chunks: BoxStream<'static, Result<Bytes, FilesError>>,
}

impl std::fmt::Debug for Reading {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reading")
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

/// The file store. Cheap to clone.
#[derive(Clone)]
pub struct Files {
    inner: Arc<dyn ObjectStore>,
    /// The directory, for the local store (files are flushed to it).
    local: Option<(Arc<LocalFileSystem>, PathBuf)>,
    /// For the local store: how many chunks may be being read at once (see [`Files::get`]).
    readers: Option<Arc<tokio::sync::Semaphore>>,
    describe: String,
}

impl std::fmt::Debug for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

/// A new random key under `prefix` (`prefix/` + 32 hex digits).
pub fn new_key(prefix: &str) -> Result<String, FilesError> {
    let mut raw = [0_u8; 16];
    getrandom::fill(&mut raw).map_err(|e| FilesError::Store(format!("no randomness: {e}")))?;
    let hex: String = raw.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("{prefix}/{hex}"))
}

/// Chunks of local files read at once, across every download: the machine's cores. Reading
/// from the page cache is quick; a hundred threads at it only take turns on the same cores, and
/// every other thread (a request's database queries) waits behind them (BENCHMARKS.md, media).
fn readers() -> usize {
    std::thread::available_parallelism().map_or(2, usize::from)
}

fn key(k: &str) -> Result<Key, FilesError> {
    Key::parse(k).map_err(|e| FilesError::Store(format!("bad key `{k}`: {e}")))
}

impl Files {
    /// Opens the store at `location`: a directory is created when missing; a bucket is only
    /// configured here ([`Files::check`] proves it is reachable).
    pub fn open(location: &Location) -> Result<Files, FilesError> {
        match location {
            Location::Directory(dir) => Files::directory(dir),
            Location::S3(s) => Files::s3(s),
        }
    }

    /// Files under `dir` (created when missing).
    pub fn directory(dir: &Path) -> Result<Files, FilesError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            FilesError::Store(format!(
                "cannot create the directory {}: {e}",
                dir.display()
            ))
        })?;
        let dir = dir.canonicalize().map_err(|e| {
            FilesError::Store(format!("cannot open the directory {}: {e}", dir.display()))
        })?;
        let fs = Arc::new(LocalFileSystem::new_with_prefix(&dir)?);
        Ok(Files {
            inner: Arc::clone(&fs) as Arc<dyn ObjectStore>,
            describe: format!("files in {}", dir.display()),
            local: Some((fs, dir)),
            readers: Some(Arc::new(tokio::sync::Semaphore::new(readers()))),
        })
    }

    /// Files in an S3-compatible bucket (path-style requests, so that any server works; plain
    /// `http` allowed only when the endpoint says so).
    pub fn s3(s: &S3Settings) -> Result<Files, FilesError> {
        let mut b = AmazonS3Builder::new()
            .with_bucket_name(&s.bucket)
            .with_region(&s.region)
            .with_access_key_id(&s.access_key_id)
            .with_secret_access_key(&s.secret_access_key)
            .with_virtual_hosted_style_request(false);
        if let Some(endpoint) = &s.endpoint {
            b = b
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let describe = format!(
            "files in the S3 bucket {} at {}",
            s.bucket,
            s.endpoint.as_deref().unwrap_or("AWS")
        );
        Ok(Files {
            inner: Arc::new(b.build()?),
            local: None,
            readers: None,
            describe,
        })
    }

    /// Stores the chunks of `source` under `key`, refusing (and leaving nothing) beyond
    /// `limit` bytes; memory stays bounded whatever the file's size. Done means durable.
    pub async fn put<S, E>(&self, k: &str, source: S, limit: u64) -> Result<Written, FilesError>
    where
        S: Stream<Item = Result<Bytes, E>> + Send,
        E: std::fmt::Display,
    {
        let location = key(k)?;
        let upload = self.inner.put_multipart(&location).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART);
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut source = std::pin::pin!(source);
        let failure = loop {
            let chunk = match source.next().await {
                None => break None,
                Some(Err(e)) => break Some(FilesError::Source(e.to_string())),
                Some(Ok(c)) => c,
            };
            size = size.saturating_add(chunk.len() as u64);
            if size > limit {
                break Some(FilesError::TooLarge { limit });
            }
            hasher.update(&chunk);
            if let Err(e) = writer.wait_for_capacity(PARTS_IN_FLIGHT).await {
                break Some(e.into());
            }
            writer.write(&chunk);
        };
        if let Some(e) = failure {
            // What was uploaded so far is thrown away.
            let _ = writer.abort().await;
            return Err(e);
        }
        writer.finish().await?;
        self.flush(&location).await?;
        Ok(Written {
            size,
            sha256: hasher.finalize().into(),
        })
    }

    /// On the local store: the file and its directory reach the disk.
    async fn flush(&self, location: &Key) -> Result<(), FilesError> {
        let Some((fs, _)) = &self.local else {
            return Ok(());
        };
        let path = fs.path_to_filesystem(location)?;
        tokio::task::spawn_blocking(move || {
            std::fs::File::open(&path)?.sync_all()?;
            if let Some(parent) = path.parent() {
                std::fs::File::open(parent)?.sync_all()?;
            }
            Ok::<_, std::io::Error>(())
        })
        .await
        .map_err(|e| FilesError::Store(format!("flushing: {e}")))?
        .map_err(|e| FilesError::Store(format!("flushing to disk: {e}")))
    }

    /// Reads the file under `key` as a stream of chunks.
    ///
    /// From the local store, chunks of 64 KiB are read on blocking threads, as many at once
    /// across every download as the machine has cores: a hundred downloads keep two threads
    /// busy, not a hundred, and the rest of the server (a request's queries) is not starved.
    pub async fn get(&self, k: &str) -> Result<Reading, FilesError> {
        if let (Some((fs, _)), Some(gate)) = (&self.local, &self.readers) {
            let path = fs.path_to_filesystem(&key(k)?)?;
            return read_local(path, Arc::clone(gate)).await;
        }
        let got = self.inner.get(&key(k)?).await?;
        let size = got.meta.size;
        let chunks = got
            .into_stream()
            .map(|c| c.map_err(FilesError::from))
            .boxed();
        Ok(Reading { size, chunks })
    }

    /// Deletes the file under `key` (none there: done).
    pub async fn delete(&self, k: &str) -> Result<(), FilesError> {
        match self.inner.delete(&key(k)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// Proves the store works: writes, reads back and deletes a small file (at start, so that
    /// a wrong bucket or a read-only directory is reported before the first customer's photo).
    pub async fn check(&self) -> Result<(), FilesError> {
        let k = new_key("check")?;
        let probe = Bytes::from_static(b"atende");
        self.put(
            &k,
            futures_util::stream::iter([Ok::<_, FilesError>(probe.clone())]),
            16,
        )
        .await?;
        let mut read = self.get(&k).await?;
        let mut back = Vec::new();
        while let Some(c) = read.chunks.next().await {
            back.extend_from_slice(&c?);
        }
        self.delete(&k).await?;
        if back == probe {
            Ok(())
        } else {
            Err(FilesError::Store(
                "a file written could not be read back".to_owned(),
            ))
        }
    }
}

impl std::fmt::Display for Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe)
    }
}

/// Bytes read from a local file at a time: 64 KiB serves 100 downloads of 16 MiB as fast as
/// reading each whole file into memory does, with a chunk per download in memory (8 KiB, as
/// object_store reads, takes three times as long; BENCHMARKS.md, media).
const LOCAL_CHUNK: usize = 64 * 1024;

/// A local file, read a chunk at a time on a blocking thread, one `gate` permit per chunk.
async fn read_local(
    path: PathBuf,
    gate: Arc<tokio::sync::Semaphore>,
) -> Result<Reading, FilesError> {
    let failed = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::NotFound {
            FilesError::NotFound
        } else {
            FilesError::Store(format!("reading a file: {e}"))
        }
    };
    let (file, size) = tokio::task::spawn_blocking(move || {
        let file = std::fs::File::open(&path)?;
        let size = file.metadata()?.len();
        Ok::<_, std::io::Error>((file, size))
    })
    .await
    .map_err(|e| FilesError::Store(format!("reading a file: {e}")))?
    .map_err(failed)?;
    let chunks = futures_util::stream::unfold(Some(file), move |file| {
        let gate = Arc::clone(&gate);
        async move {
            let mut file = file?;
            // Never closed: `None` (the end) only to satisfy the type.
            let _permit = gate.acquire_owned().await.ok()?;
            let read = tokio::task::spawn_blocking(move || {
                use std::io::Read as _;
                let mut buf = bytes::BytesMut::zeroed(LOCAL_CHUNK);
                let n = file.read(&mut buf)?;
                buf.truncate(n);
                Ok::<_, std::io::Error>((file, buf.freeze()))
            })
            .await;
            match read {
                Ok(Ok((_, buf))) if buf.is_empty() => None,
                Ok(Ok((file, buf))) => Some((Ok(buf), Some(file))),
                Ok(Err(e)) => Some((Err(failed(e)), None)),
                Err(e) => Some((Err(FilesError::Store(format!("reading a file: {e}"))), None)),
            }
        }
    })
    .boxed();
    Ok(Reading { size, chunks })
}
