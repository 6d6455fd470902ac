use std::io::Cursor;

use ogg::reading::PacketReader;
use proptest::prelude::*;

use super::*;

/// Two seconds of a 440 Hz tone, mono, by `ffmpeg -f lavfi -i sine=frequency=440:duration=2
/// -ac 1 -c:a libopus -b:a 24k voice.webm`: 101 packets of 20 ms, pre-skip 312, known sizes
/// and cues.
const FFMPEG: &[u8] = include_bytes!("../../tests/fixtures/media/voice.webm");
/// 1.5 s recorded by Chromium's `MediaRecorder` (`audio/webm;codecs=opus`, its fake
/// microphone): 25 packets of 60 ms, pre-skip 0, a segment and clusters of unknown size.
const CHROMIUM: &[u8] = include_bytes!("../../tests/fixtures/media/voice-chromium.webm");
/// An OGG/Opus file (not WebM).
const OGG: &[u8] = include_bytes!("../../tests/fixtures/media/voice.ogg");

/// What an OGG file holds: its packets and, per page, its granule position and flags.
struct Read {
    packets: Vec<Vec<u8>>,
    /// (granule, first page, last page) of each page, in order.
    pages: Vec<(u64, bool, bool)>,
}

fn read_ogg(ogg: &[u8]) -> Read {
    assert!(ogg.starts_with(b"OggS"));
    let mut reader = PacketReader::new(Cursor::new(ogg));
    let (mut packets, mut pages) = (Vec::new(), Vec::new());
    while let Some(p) = reader.read_packet().unwrap() {
        assert_eq!(p.stream_serial(), SERIAL);
        if p.last_in_page() {
            pages.push((p.absgp_page(), pages.is_empty(), p.last_in_stream()));
        }
        packets.push(p.data);
    }
    Read { packets, pages }
}

/// The Opus packets of a WebM, as its demuxer reads them.
fn webm_packets(webm: &[u8]) -> Vec<Vec<u8>> {
    let mut mkv = MatroskaFile::open(Cursor::new(webm)).unwrap();
    let mut frame = Frame::default();
    let mut all = Vec::new();
    while mkv.next_frame(&mut frame).unwrap() {
        all.push(frame.data.clone());
    }
    all
}

#[test]
fn an_ffmpeg_webm_becomes_ogg_opus_with_its_pre_skip() {
    let out = webm_to_ogg(FFMPEG).unwrap();
    let read = read_ogg(&out.ogg);
    // OpusHead, as the track's CodecPrivate: version 1, mono, pre-skip 312, 48 kHz, family 0.
    let head = &read.packets[0];
    assert_eq!(&head[..8], b"OpusHead");
    assert_eq!(head.len(), 19);
    assert_eq!((head[8], head[9]), (1, 1));
    assert_eq!(u16::from_le_bytes([head[10], head[11]]), 312);
    assert_eq!(head[18], 0);
    assert!(read.packets[1].starts_with(b"OpusTags"));
    // Every packet moved as it was, in order.
    assert_eq!(read.packets[2..], webm_packets(FFMPEG)[..]);
    assert_eq!(read.packets.len(), 2 + 101);
    // Pages: the head alone (first), the tags alone, then a page a second; granules count
    // 48 kHz samples to the end of each page's last packet, the last page ends the stream.
    assert_eq!(
        read.pages,
        vec![
            (0, true, false),
            (0, false, false),
            (48_000, false, false),
            (96_000, false, false),
            (96_960, false, true),
        ]
    );
    assert_eq!(out.duration_ms, (96_960 - 312) * 1000 / 48_000);
}

#[test]
fn a_chromium_recording_of_unknown_sizes_becomes_ogg_opus() {
    let out = webm_to_ogg(CHROMIUM).unwrap();
    let read = read_ogg(&out.ogg);
    let head = &read.packets[0];
    assert!(head.starts_with(b"OpusHead"));
    assert_eq!(
        u16::from_le_bytes([head[10], head[11]]),
        0,
        "Chromium's pre-skip"
    );
    assert_eq!(read.packets[2..], webm_packets(CHROMIUM)[..]);
    assert_eq!(read.packets.len(), 2 + 25);
    assert!(
        read.packets[2..]
            .iter()
            .all(|p| packet_samples(p) == Some(2880)),
        "60 ms packets"
    );
    assert_eq!(
        read.pages,
        vec![
            (0, true, false),
            (0, false, false),
            (17 * 2880, false, false),
            (25 * 2880, false, true),
        ]
    );
    assert_eq!(out.duration_ms, 1500);
}

#[test]
fn what_is_not_webm_opus_is_refused_in_words() {
    let not_webm = |bytes: &[u8]| match webm_to_ogg(bytes) {
        Err(VoiceError::NotWebm(why)) => why,
        other => panic!("{other:?}"),
    };
    not_webm(b"");
    not_webm(b"this is a text file, not a recording");
    not_webm(OGG);
    not_webm(&FFMPEG[..40]);
    // A cut recording: what arrived whole is read, a packet cut off is refused.
    for bytes in [&FFMPEG[..FFMPEG.len() / 2], &CHROMIUM[..CHROMIUM.len() - 3]] {
        if let Ok(out) = webm_to_ogg(bytes) {
            assert!(read_ogg(&out.ogg).packets.len() > 2);
        }
    }
    let e = VoiceError::NotWebm("x".into()).to_string();
    assert!(e.contains("not a WebM"), "{e}");
}

#[test]
fn opus_heads_are_checked_or_made() {
    let good = &FFMPEG_HEAD[..];
    assert_eq!(checked_head(good).unwrap(), good);
    // Trailing bytes after a family-0 head are dropped.
    let mut longer = good.to_vec();
    longer.extend_from_slice(b"xx");
    assert_eq!(checked_head(&longer).unwrap(), good);
    let with = |i: usize, v: u8| {
        let mut h = good.to_vec();
        h[i] = v;
        checked_head(&h)
    };
    assert_eq!(with(0, b'X'), Err(VoiceError::BadHead), "magic");
    assert_eq!(with(8, 16), Err(VoiceError::BadHead), "version 16");
    assert_eq!(with(9, 0), Err(VoiceError::BadHead), "no channels");
    assert_eq!(
        with(9, 3),
        Err(VoiceError::BadHead),
        "3 channels in family 0"
    );
    assert_eq!(
        with(18, 1),
        Err(VoiceError::BadHead),
        "family 1 without its table"
    );
    assert_eq!(checked_head(&good[..18]), Err(VoiceError::BadHead));
    // Family 1 with its table (stream count, coupled count, one mapping per channel).
    let mut surround = good.to_vec();
    surround[9] = 2;
    surround[18] = 1;
    surround.extend_from_slice(&[1, 1, 0, 1]);
    assert_eq!(checked_head(&surround).unwrap(), surround);

    // A track without CodecPrivate: pre-skip from CodecDelay (6.5 ms = 312 samples).
    assert_eq!(made_head(1, 6_500_000, 48_000.0).unwrap(), good);
    assert_eq!(
        made_head(2, 0, f64::NAN).unwrap()[9..16],
        [2, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(made_head(6, 0, 48_000.0), Err(VoiceError::Channels(6)));
}

/// `OpusHead`, version 1, mono, pre-skip 312, 48 kHz, gain 0, family 0.
const FFMPEG_HEAD: [u8; 19] = [
    b'O', b'p', b'u', b's', b'H', b'e', b'a', b'd', 1, 1, 0x38, 0x01, 0x80, 0xbb, 0, 0, 0, 0, 0,
];

#[test]
fn packet_samples_follow_the_toc_byte() {
    let toc = |config: u8, code: u8| (config << 3) | code;
    // SILK 10/20/40/60 ms, hybrid 10/20 ms, CELT 2.5/5/10/20 ms; one frame.
    for (config, samples) in [
        (0, 480),
        (1, 960),
        (2, 1920),
        (3, 2880),
        (11, 2880),
        (12, 480),
        (13, 960),
        (15, 960),
        (16, 120),
        (17, 240),
        (18, 480),
        (19, 960),
        (31, 960),
    ] {
        assert_eq!(
            packet_samples(&[toc(config, 0), 0]),
            Some(samples),
            "{config}"
        );
    }
    // Two frames (codes 1 and 2); code 3 counts its frames in the second byte.
    assert_eq!(packet_samples(&[toc(31, 1)]), Some(1920));
    assert_eq!(packet_samples(&[toc(31, 2)]), Some(1920));
    assert_eq!(packet_samples(&[toc(31, 3), 6]), Some(5760));
    assert_eq!(packet_samples(&[toc(16, 3), 0b1100_0011]), Some(360));
    // Over 120 ms, no frame, no count, no packet: not Opus.
    assert_eq!(packet_samples(&[toc(31, 3), 7]), None);
    assert_eq!(packet_samples(&[toc(3, 3), 3]), None);
    assert_eq!(packet_samples(&[toc(31, 3), 0]), None);
    assert_eq!(packet_samples(&[toc(31, 3)]), None);
    assert_eq!(packet_samples(&[]), None);
}

#[test]
fn webm_types_and_names() {
    assert!(is_webm("audio/webm"));
    assert!(is_webm("audio/webm;codecs=opus"));
    assert!(is_webm(" Audio/WebM ; codecs=\"opus\""));
    assert!(!is_webm("video/webm"));
    assert!(!is_webm("audio/ogg; codecs=opus"));
    assert!(!is_webm(""));
    assert_eq!(ogg_name("voice-note.webm"), "voice-note.ogg");
    assert_eq!(ogg_name("gravação.WEBA"), "gravação.ogg");
    assert_eq!(ogg_name("voice"), "voice.ogg");
    assert_eq!(ogg_name(".webm"), ".webm.ogg");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Damaged recordings (bytes changed, cut) are refused or remuxed, never a panic; what is
    /// remuxed is OGG that reads back.
    #[test]
    fn damaged_recordings_never_panic(
        chromium in any::<bool>(),
        changes in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = if chromium { CHROMIUM.to_vec() } else { FFMPEG.to_vec() };
        for (at, value) in changes {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(out) = webm_to_ogg(&bytes) {
            let read = read_ogg(&out.ogg);
            prop_assert!(read.packets.len() > 2);
        }
    }
}
