//! Lecture media: which file formats are accepted (told by their first bytes, never by a name),
//! how each is stored and played, and when a file's playing time matches its course (Art. 10:
//! credit follows the lecture's duration, so the file must really be that long).

/// The most bytes a lecture upload may have unless the `media_max_bytes` setting says otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// A file's playing time may differ from its course's duration by this much, in permille.
pub const TOLERANCE_PERMILLE: i64 = 20;

/// The accepted formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// ISO MP4 with a video track (H.264 video, AAC audio).
    Mp4,
    /// ISO MP4 with audio only (AAC).
    M4a,
    WebM,
    Mp3,
    Wav,
}

impl Format {
    /// The file name extension it is stored under (also what the web server's MIME type follows).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Mp4 => "mp4",
            Format::M4a => "m4a",
            Format::WebM => "webm",
            Format::Mp3 => "mp3",
            Format::Wav => "wav",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Format> {
        [
            Format::Mp4,
            Format::M4a,
            Format::WebM,
            Format::Mp3,
            Format::Wav,
        ]
        .into_iter()
        .find(|f| f.extension() == ext)
    }

    pub fn label(self) -> &'static str {
        match self {
            Format::Mp4 => "MP4 视频",
            Format::M4a => "M4A 音频",
            Format::WebM => "WebM 视频",
            Format::Mp3 => "MP3 音频",
            Format::Wav => "WAV 音频",
        }
    }

    /// Whether the page shows a 16:9 picture (else a plain audio bar).
    pub fn is_video(self) -> bool {
        matches!(self, Format::Mp4 | Format::WebM)
    }
}

/// The container family a file's first bytes announce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    /// `ftyp` box: MP4 or M4A, told apart by its tracks.
    Iso,
    /// EBML header with doc type `webm`.
    WebM,
    Mp3,
    Wav,
}

/// What the first bytes (at least 64, fewer for a shorter file) say the file is.
pub fn sniff(head: &[u8]) -> Option<Container> {
    if head.len() >= 12 && &head[0..4] == b"RIFF" && &head[8..12] == b"WAVE" {
        return Some(Container::Wav);
    }
    if head.len() >= 12 && &head[4..8] == b"ftyp" {
        return Some(Container::Iso);
    }
    if head.starts_with(&[0x1A, 0x45, 0xDF, 0xA3]) {
        // The doc type sits in the EBML header, within its first few dozen bytes; Matroska
        // (`matroska`) is not played by every browser, so only WebM is taken.
        let window = &head[..head.len().min(64)];
        return window
            .windows(4)
            .any(|w| w == b"webm")
            .then_some(Container::WebM);
    }
    if head.starts_with(b"ID3") {
        return Some(Container::Mp3);
    }
    // An MPEG audio frame header: 11 sync bits, layer III.
    if head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0 && head[1] & 0x06 == 0x02 {
        return Some(Container::Mp3);
    }
    None
}

/// What a track is for, as its container declares it (MP4 `hdlr`, WebM `TrackType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackKind {
    Video,
    Audio,
    /// Subtitles, time codes, hints: not played, not checked.
    Other,
}

/// A track as the container's header declares it, before any demuxing: its kind and its codec
/// (an MP4 sample entry's four-character code such as `avc1`, a WebM `CodecID` such as `V_VP9`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeclaredTrack {
    pub kind: TrackKind,
    pub codec: String,
}

/// The most tracks a lecture file may declare (a lecture has one or two).
pub const MAX_TRACKS: usize = 16;

/// The most bytes of a codec name that are read (`V_MPEGH/ISO/HEVC` is 16).
pub const MAX_CODEC_NAME: usize = 32;

/// Video every browser plays in each container: H.264 in MP4 (`avc1`, or `avc3` with its
/// parameter sets in band); VP8, VP9 and AV1 in WebM.
const MP4_VIDEO: &[&str] = &["avc1", "avc3"];
const WEBM_VIDEO: &[&str] = &["V_VP8", "V_VP9", "V_AV1"];
/// AAC in MP4 (`mp4a`; that it holds AAC and not MP3 the demuxer tells), Vorbis and Opus in WebM.
const MP4_AUDIO: &[&str] = &["mp4a"];
const WEBM_AUDIO: &[&str] = &["A_VORBIS", "A_OPUS"];

/// The usual name of a codec the uploader may meet, for the refusal.
fn codec_name(code: &str) -> Option<&'static str> {
    Some(match code {
        "hvc1" | "hev1" | "V_MPEGH/ISO/HEVC" => "HEVC/H.265",
        "vvc1" | "vvi1" => "VVC/H.266",
        "av01" => "AV1",
        "vp08" => "VP8",
        "vp09" => "VP9",
        "mp4v" | "V_MPEG4/ISO/ASP" | "V_MPEG4/ISO/SP" => "MPEG-4 Part 2",
        "V_MPEG4/ISO/AVC" => "H.264",
        "encv" | "enca" => "加密内容",
        "ac-3" | "A_AC3" => "AC-3",
        "ec-3" | "A_EAC3" => "E-AC-3",
        "Opus" => "Opus",
        "fLaC" | "A_FLAC" => "FLAC",
        "alac" => "ALAC",
        ".mp3" | "A_MPEG/L3" => "MP3",
        "A_AAC" => "AAC",
        _ => return None,
    })
}

/// A codec code for a message: printable ASCII as it is, anything else as hex.
fn shown(code: &str) -> String {
    let text = code.chars().all(|c| c.is_ascii_graphic() || c == ' ');
    let code = if text && !code.is_empty() {
        code.to_string()
    } else {
        code.bytes().map(|b| format!("{b:02x}")).collect()
    };
    match codec_name(&code) {
        Some(name) => format!("{name}（{code}）"),
        None => format!("未知编码 {code}"),
    }
}

/// Whether browsers play every video and audio track a file declares; the refusal names the
/// track's codec and what to export instead. MP3 and WAV have one fixed codec each.
pub fn check_codecs(container: Container, tracks: &[DeclaredTrack]) -> Result<(), String> {
    let (video, audio, name, video_hint, audio_hint) = match container {
        Container::Iso => (
            MP4_VIDEO,
            MP4_AUDIO,
            "MP4/M4A",
            "只接受 H.264（avc1）视频，请以 H.264 重新导出",
            "音频须为 AAC 编码，请以 AAC 重新导出",
        ),
        Container::WebM => (
            WEBM_VIDEO,
            WEBM_AUDIO,
            "WebM",
            "只接受 VP8、VP9 或 AV1 视频",
            "只接受 Vorbis 或 Opus 音频",
        ),
        Container::Mp3 | Container::Wav => return Ok(()),
    };
    for t in tracks {
        let (allowed, hint, what) = match t.kind {
            TrackKind::Video => (video, video_hint, "视频"),
            TrackKind::Audio => (audio, audio_hint, "音频"),
            TrackKind::Other => continue,
        };
        if !allowed.contains(&t.codec.as_str()) {
            return Err(format!(
                "{name} 文件的{what}编码为 {}，浏览器不一定能播放：{hint}",
                shown(&t.codec)
            ));
        }
    }
    if !tracks.iter().any(|t| t.kind != TrackKind::Other) {
        return Err(format!("{name} 文件中没有音视频轨道"));
    }
    Ok(())
}

/// Whether a file of `file_ms` milliseconds may stand for a course of `course_s` seconds.
pub fn duration_matches(course_s: i64, file_ms: i64) -> bool {
    let course_ms = course_s.saturating_mul(1000);
    let diff = (course_ms - file_ms).abs();
    diff.saturating_mul(1000) <= course_ms.saturating_mul(TOLERANCE_PERMILLE)
}

/// A file's playing time as whole seconds for the course (rounded half up).
pub fn whole_seconds(ms: i64) -> i64 {
    (ms + 500) / 1000
}

/// A stored media file's name: the content's SHA-256 in hex and the format's extension.
pub fn stored_name(sha256_hex: &str, format: Format) -> String {
    format!("{sha256_hex}.{}", format.extension())
}

/// The format of a stored file, from its name's extension.
pub fn format_of_name(name: &str) -> Option<Format> {
    name.rsplit_once('.')
        .and_then(|(_, ext)| Format::from_extension(ext))
}

/// `1 小时 02 分 05 秒` style, for messages.
pub fn clock(ms: i64) -> String {
    let s = whole_seconds(ms);
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if h > 0 {
        format!("{h} 小时 {m:02} 分 {sec:02} 秒")
    } else {
        format!("{m} 分 {sec:02} 秒")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_told_by_their_first_bytes() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), Some(Container::Wav));
        assert_eq!(sniff(b"\0\0\0\x20ftypisom\0\0"), Some(Container::Iso));
        let mut webm = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x84];
        webm.extend_from_slice(b"webm");
        assert_eq!(sniff(&webm), Some(Container::WebM));
        let mut mkv = vec![0x1A, 0x45, 0xDF, 0xA3, 0x9F, 0x42, 0x82, 0x88];
        mkv.extend_from_slice(b"matroska");
        assert_eq!(sniff(&mkv), None);
        assert_eq!(sniff(b"ID3\x04\0"), Some(Container::Mp3));
        assert_eq!(sniff(&[0xFF, 0xFB, 0x90, 0x00]), Some(Container::Mp3));
        for junk in [&b"hello world, not media"[..], b"", b"RIFF", b"PK\x03\x04"] {
            assert_eq!(sniff(junk), None);
        }
    }

    #[test]
    fn two_percent_either_way() {
        assert!(duration_matches(100, 100_000));
        assert!(duration_matches(100, 102_000));
        assert!(duration_matches(100, 98_000));
        assert!(!duration_matches(100, 102_001));
        assert!(!duration_matches(100, 97_999));
        assert!(!duration_matches(0, 1));
        assert!(duration_matches(0, 0));
    }

    fn track(kind: TrackKind, codec: &str) -> DeclaredTrack {
        DeclaredTrack {
            kind,
            codec: codec.into(),
        }
    }

    #[test]
    fn browsers_play_h264_aac_in_mp4_and_vp8_vp9_av1_vorbis_opus_in_webm() {
        use TrackKind::{Audio, Other, Video};
        let iso = |tracks: &[DeclaredTrack]| check_codecs(Container::Iso, tracks);
        let webm = |tracks: &[DeclaredTrack]| check_codecs(Container::WebM, tracks);
        assert_eq!(iso(&[track(Video, "avc1"), track(Audio, "mp4a")]), Ok(()));
        assert_eq!(iso(&[track(Video, "avc3")]), Ok(()));
        assert_eq!(iso(&[track(Audio, "mp4a"), track(Other, "tmcd")]), Ok(()));
        let hevc = iso(&[track(Video, "hvc1"), track(Audio, "mp4a")]).unwrap_err();
        assert!(hevc.contains("HEVC/H.265（hvc1）"), "{hevc}");
        assert!(hevc.contains("只接受 H.264"), "{hevc}");
        for refused in ["hev1", "av01", "vp09", "mp4v", "encv", "xyz1"] {
            assert!(iso(&[track(Video, refused)]).is_err(), "{refused}");
        }
        let ac3 = iso(&[track(Video, "avc1"), track(Audio, "ac-3")]).unwrap_err();
        assert!(ac3.contains("AC-3（ac-3）") && ac3.contains("AAC"), "{ac3}");
        assert!(
            iso(&[track(Other, "tmcd")])
                .unwrap_err()
                .contains("没有音视频轨道")
        );
        assert!(iso(&[]).is_err());

        for video in ["V_VP8", "V_VP9", "V_AV1"] {
            for audio in ["A_VORBIS", "A_OPUS"] {
                assert_eq!(webm(&[track(Video, video), track(Audio, audio)]), Ok(()));
            }
        }
        let avc = webm(&[track(Video, "V_MPEG4/ISO/AVC")]).unwrap_err();
        assert!(
            avc.contains("H.264（V_MPEG4/ISO/AVC）") && avc.contains("VP9"),
            "{avc}"
        );
        assert!(webm(&[track(Video, "V_VP8"), track(Audio, "A_AAC")]).is_err());
        // A code that is not text is shown in hex, never as raw bytes.
        let odd = iso(&[track(Video, "\u{1}\u{2}ab")]).unwrap_err();
        assert!(odd.contains("未知编码 01026162"), "{odd}");
        // MP3 and WAV have nothing to choose.
        assert_eq!(check_codecs(Container::Mp3, &[]), Ok(()));
    }

    #[test]
    fn names_and_clock() {
        let name = stored_name("ab12", Format::WebM);
        assert_eq!(name, "ab12.webm");
        assert_eq!(format_of_name(&name), Some(Format::WebM));
        assert_eq!(format_of_name("x.mkv"), None);
        assert_eq!(format_of_name("noext"), None);
        assert!(Format::Mp4.is_video() && !Format::M4a.is_video());
        assert_eq!(clock(3_725_400), "1 小时 02 分 05 秒");
        assert_eq!(clock(59_600), "1 分 00 秒");
        assert_eq!(whole_seconds(1_499), 1);
    }
}
