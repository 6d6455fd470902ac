//! Voice notes recorded in a browser: WebM/Opus remuxed into OGG/Opus.
//!
//! A browser's `MediaRecorder` (Chromium's, and so the inbox's microphone button) records
//! `audio/webm;codecs=opus`, but WhatsApp takes a voice note only as `audio/ogg; codecs=opus`.
//! Both hold the same Opus packets: [`webm_to_ogg`] moves them from one container to the other
//! without decoding or encoding anything (RFC 7845's mapping): an `OpusHead` page, an `OpusTags`
//! page, then the audio packets in pages whose granule positions count 48 kHz samples (each
//! packet's from its TOC byte, RFC 6716 §3.1), the last page marked as the end of the stream.
//! The `OpusHead` is the track's `CodecPrivate` as it is (it carries the pre-skip and the channel
//! mapping); a track without one gets a head made from its channels and its `CodecDelay`.
//!
//! **Crates, not hand-written parsing.** The WebM (Matroska/EBML) side is read by
//! [`matroska_demuxer`]: no dependencies of its own, no `unsafe`, no panics by its own lints,
//! and it reads what recorders write while they record (a segment and clusters of unknown
//! size, `SimpleBlock`s, laced blocks). The pages are written by [`ogg`] (RustAudio's, which
//! also reads them back in the tests): CRCs, lacing values and packets spanning pages are easy
//! to get subtly wrong by hand. What is ours is only Opus's part: the TOC byte's sample count,
//! and the head.
//!
//! **In memory, bounded.** A voice note is small (WhatsApp takes audio up to 16 MiB; a minute of
//! speech is about 200 KB), and a Matroska file's parts are found by seeking, so an upload in
//! WebM is read whole into memory, within the audio limit, and remuxed from there (on a blocking
//! thread, [`remux`]); nothing is written to the file store until the remux succeeded, so an
//! invalid recording leaves nothing behind. Every other file is streamed as before.
//!
//! Not carried over: Matroska's `DiscardPadding` (the demuxer does not expose it; browsers do
//! not write it for a recording), so the last page's granule is the full count of samples and
//! a player may play up to one frame (20 ms) of silence more at the end.

use std::io::Cursor;

use matroska_demuxer::{Frame, MatroskaFile, TrackType};
use ogg::writing::{PacketWriteEndInfo, PacketWriter};

/// The MIME type a remuxed voice note is stored and sent with.
pub const OGG_OPUS: &str = "audio/ogg; codecs=opus";

/// Opus's clock: granule positions and pre-skip count samples at 48 kHz.
const RATE: u64 = 48_000;

/// A page is closed once it holds this many samples (one second, like common muxers), so that
/// a player can seek and a lost page costs little.
const PAGE_SAMPLES: u64 = RATE;

/// The longest an Opus packet may be: 120 ms (RFC 6716 §3.2.5).
const MAX_PACKET_SAMPLES: u64 = 5_760;

/// The serial number of the one logical stream written.
const SERIAL: u32 = 0x4174_656e;

/// Whether an upload's MIME type is WebM audio, remuxed into OGG before it is stored.
pub fn is_webm(mime: &str) -> bool {
    mime.split(';')
        .next()
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case("audio/webm"))
}

/// The name a remuxed file is stored with: the same stem, `.ogg`.
pub fn ogg_name(name: &str) -> String {
    let stem = match name.rsplit_once('.') {
        Some((stem, ext))
            if !stem.is_empty()
                && (ext.eq_ignore_ascii_case("webm") || ext.eq_ignore_ascii_case("weba")) =>
        {
            stem
        }
        _ => name,
    };
    format!("{stem}.ogg")
}

/// Why a recording could not be remuxed (each one the sender's file, never the server).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VoiceError {
    /// Not a WebM (Matroska) file that can be read.
    #[error("it is not a WebM file that can be read ({0})")]
    NotWebm(String),
    /// No Opus audio track.
    #[error("it has no Opus audio (tracks: {0})")]
    NoOpus(String),
    /// The track's Opus head (`CodecPrivate`) is not one.
    #[error("its Opus header is invalid")]
    BadHead,
    /// More than two channels without a channel mapping.
    #[error("it has {0} channels without a channel mapping")]
    Channels(u64),
    /// A packet that is not Opus.
    #[error("its audio packet {0} is not a valid Opus packet")]
    BadPacket(u64),
    /// No audio at all.
    #[error("it holds no audio")]
    Empty,
}

/// A recording remuxed.
#[derive(Debug)]
pub struct Remuxed {
    /// The OGG/Opus file.
    pub ogg: Vec<u8>,
    /// How long it plays, in milliseconds (the samples less the pre-skip).
    pub duration_ms: i64,
}

/// Remuxes on a blocking thread (parsing a few MiB is CPU work); a panic there (none is known:
/// both crates forbid them) is reported as an unreadable file, never taken down with the request.
pub async fn remux(webm: Vec<u8>) -> Result<Remuxed, VoiceError> {
    match tokio::task::spawn_blocking(move || webm_to_ogg(&webm)).await {
        Ok(result) => result,
        Err(e) => {
            tracing::error!(error = %e, "remuxing a voice note failed");
            Err(VoiceError::NotWebm("the file could not be read".to_owned()))
        }
    }
}

/// Remuxes a WebM/Opus recording into an OGG/Opus file (the first Opus track; any other track
/// is left out).
pub fn webm_to_ogg(webm: &[u8]) -> Result<Remuxed, VoiceError> {
    let mut mkv =
        MatroskaFile::open(Cursor::new(webm)).map_err(|e| VoiceError::NotWebm(e.to_string()))?;
    let track = mkv
        .tracks()
        .iter()
        .find(|t| t.track_type() == TrackType::Audio && t.codec_id() == "A_OPUS")
        .ok_or_else(|| {
            let codecs: Vec<&str> = mkv.tracks().iter().map(|t| t.codec_id()).collect();
            VoiceError::NoOpus(if codecs.is_empty() {
                "none".to_owned()
            } else {
                codecs.join(", ")
            })
        })?;
    let number = track.track_number().get();
    let head = match track.codec_private() {
        Some(private) => checked_head(private)?,
        None => made_head(
            track.audio().map_or(1, |a| a.channels().get()),
            track.codec_delay().unwrap_or(0),
            track.audio().map_or(48_000.0, |a| a.sampling_frequency()),
        )?,
    };
    let pre_skip = u64::from(u16::from_le_bytes([
        head.get(10).copied().unwrap_or(0),
        head.get(11).copied().unwrap_or(0),
    ]));

    let mut out = PacketWriter::new(Vec::with_capacity(webm.len()));
    let io = |e: std::io::Error| VoiceError::NotWebm(e.to_string());
    out.write_packet(head, SERIAL, PacketWriteEndInfo::EndPage, 0)
        .map_err(io)?;
    out.write_packet(opus_tags(), SERIAL, PacketWriteEndInfo::EndPage, 0)
        .map_err(io)?;

    // Each packet is written once the next one is known: the last one ends the stream.
    let mut pending: Option<(Vec<u8>, u64)> = None;
    let (mut granule, mut page_start, mut count) = (0_u64, 0_u64, 0_u64);
    let mut frame = Frame::default();
    loop {
        let more = mkv
            .next_frame(&mut frame)
            .map_err(|e| VoiceError::NotWebm(e.to_string()))?;
        if !more {
            break;
        }
        if frame.track != number {
            continue;
        }
        count += 1;
        let samples = packet_samples(&frame.data).ok_or(VoiceError::BadPacket(count))?;
        if let Some((packet, at)) = pending.take() {
            let end = if at.saturating_sub(page_start) >= PAGE_SAMPLES {
                page_start = at;
                PacketWriteEndInfo::EndPage
            } else {
                PacketWriteEndInfo::NormalPacket
            };
            out.write_packet(packet, SERIAL, end, at).map_err(io)?;
        }
        granule = granule.saturating_add(samples);
        pending = Some((std::mem::take(&mut frame.data), granule));
    }
    let (packet, at) = pending.ok_or(VoiceError::Empty)?;
    out.write_packet(packet, SERIAL, PacketWriteEndInfo::EndStream, at)
        .map_err(io)?;
    let played = granule.saturating_sub(pre_skip);
    Ok(Remuxed {
        ogg: out.into_inner(),
        duration_ms: i64::try_from(played * 1000 / RATE).unwrap_or(i64::MAX),
    })
}

/// The track's `CodecPrivate`, checked to be an `OpusHead` (RFC 7845 §5.1) that a player reads.
fn checked_head(private: &[u8]) -> Result<Vec<u8>, VoiceError> {
    let byte = |i: usize| private.get(i).copied().ok_or(VoiceError::BadHead);
    if !private.starts_with(b"OpusHead") {
        return Err(VoiceError::BadHead);
    }
    let (version, channels, family) = (byte(8)?, byte(9)?, byte(18)?);
    // Versions 0 to 15 are read as version 1; family 0 is mono or stereo without a table;
    // another family has a table of 2 + channels bytes.
    let length = match (family, channels) {
        (_, 0) => return Err(VoiceError::BadHead),
        (0, 1..=2) => 19,
        (0, _) => return Err(VoiceError::BadHead),
        (_, c) => 21 + usize::from(c),
    };
    if version > 15 {
        return Err(VoiceError::BadHead);
    }
    private
        .get(..length)
        .map(<[u8]>::to_vec)
        .ok_or(VoiceError::BadHead)
}

/// An `OpusHead` for a track without one: mono or stereo, family 0.
fn made_head(channels: u64, codec_delay_ns: u64, rate: f64) -> Result<Vec<u8>, VoiceError> {
    let channels = match u8::try_from(channels) {
        Ok(c @ 1..=2) => c,
        _ => return Err(VoiceError::Channels(channels)),
    };
    let pre_skip =
        u16::try_from(codec_delay_ns.saturating_mul(RATE) / 1_000_000_000).unwrap_or(u16::MAX);
    // The input rate is only informative; a nonsensical one is written as "unknown" (0).
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "checked range"
    )]
    let rate = if rate.is_finite() && (1.0..=384_000.0).contains(&rate) {
        rate.round() as u32
    } else {
        0
    };
    let mut head = b"OpusHead".to_vec();
    head.push(1);
    head.push(channels);
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&rate.to_le_bytes());
    head.extend_from_slice(&0_i16.to_le_bytes());
    head.push(0);
    Ok(head)
}

/// The `OpusTags` packet (RFC 7845 §5.2): the vendor, no comments.
fn opus_tags() -> Vec<u8> {
    const VENDOR: &[u8] = b"Atende";
    let mut tags = b"OpusTags".to_vec();
    tags.extend_from_slice(&u32::try_from(VENDOR.len()).unwrap_or(0).to_le_bytes());
    tags.extend_from_slice(VENDOR);
    tags.extend_from_slice(&0_u32.to_le_bytes());
    tags
}

/// How many 48 kHz samples an Opus packet decodes to, from its TOC byte (RFC 6716 §3.1);
/// `None` for what is not an Opus packet.
pub fn packet_samples(packet: &[u8]) -> Option<u64> {
    let toc = *packet.first()?;
    let config = toc >> 3;
    // Configurations 0-11 are SILK (10, 20, 40, 60 ms), 12-15 hybrid (10, 20 ms), 16-31 CELT
    // (2.5, 5, 10, 20 ms).
    let frame: u64 = match (config, config % 4) {
        (0..=11, 3) => 2880,
        (0..=11, n) => 480 << n,
        (12..=15, n) => 480 << (n % 2),
        (_, n) => 120 << n,
    };
    let frames = match toc & 0b11 {
        0 => 1,
        1 | 2 => 2,
        _ => u64::from(*packet.get(1)? & 0b0011_1111),
    };
    let samples = frames * frame;
    (frames > 0 && samples <= MAX_PACKET_SAMPLES).then_some(samples)
}

#[cfg(test)]
#[path = "voice_tests.rs"]
mod tests;
