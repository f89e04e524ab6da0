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
