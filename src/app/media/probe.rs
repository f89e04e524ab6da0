//! Reads a lecture file's format and playing time from the file itself, with Symphonia's
//! demuxers (no decoding): the header's duration, then every packet's timestamps, so a header
//! that claims more (or less) than the file holds is caught. The codecs come from the structure
//! walk before it (`bounds`): Symphonia knows audio codecs only, and an MP4's video must be H.264.
//! Runs on the blocking pool.

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use symphonia::core::codecs::CODEC_TYPE_AAC;
use symphonia::core::errors::Error as SymError;
use symphonia::core::formats::FormatOptions;
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;
use symphonia::core::units::TimeBase;

use crate::rules::media::{Container, Format, TrackKind, check_codecs, sniff};

/// What the file is and how long it plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probed {
    pub format: Format,
    pub duration_ms: i64,
}

/// Why a file was refused, in words for the uploader.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("无法识别的文件格式：只接受 MP4（H.264 视频 + AAC 音频）、WebM、MP3、M4A 和 WAV")]
    Unknown,
    #[error("文件看似 {0}，但内容已损坏或不完整（{1}）")]
    Damaged(&'static str, String),
    #[error("文件头声明时长 {header}，实际内容只有 {content}：文件头与内容不符")]
    Lies { header: String, content: String },
    #[error("{0}")]
    Codec(String),
    #[error("文件中没有可播放的内容（时长为 0）")]
    Empty,
}

/// A header's duration may differ from the packets' end by one frame and rounding: this much, or
/// 2 % of it when more.
const HEADER_SLACK_MS: i64 = 1_000;

fn container_name(c: Container) -> &'static str {
    match c {
        Container::Iso => "MP4/M4A",
        Container::WebM => "WebM",
        Container::Mp3 => "MP3",
        Container::Wav => "WAV",
    }
}

/// Probes the file at `path`. A panic inside a demuxer (a crafted file) is a refusal, not a crash.
pub fn probe(path: &Path) -> std::io::Result<Result<Probed, Refused>> {
    let mut head = Vec::with_capacity(64);
    std::fs::File::open(path)?.take(64).read_to_end(&mut head)?;
    let Some(container) = sniff(&head) else {
        return Ok(Err(Refused::Unknown));
    };
    let mut file = std::fs::File::open(path)?;
    let name = container_name(container);
    let len = file.metadata()?.len();
    let declared = match super::bounds::check(&mut file, len, container) {
        Ok(tracks) => tracks,
        Err(why) => return Ok(Err(Refused::Damaged(name, why))),
    };
    if let Err(why) = check_codecs(container, &declared) {
        return Ok(Err(Refused::Codec(why)));
    }
    let video = declared.iter().any(|t| t.kind == TrackKind::Video);
    let file = std::fs::File::open(path)?;
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        demux(file, container, name, video)
    }));
    Ok(run.unwrap_or_else(|_| Err(Refused::Damaged(name, "无法解析".into()))))
}

struct TrackInfo {
    time_base: Option<TimeBase>,
    header_end: Option<u64>,
    audio: bool,
    codec: symphonia::core::codecs::CodecType,
}

fn ms(tb: TimeBase, ts: u64) -> i64 {
    let t = tb.calc_time(ts);
    let whole = i64::try_from(t.seconds).unwrap_or(i64::MAX / 2_000);
    whole.saturating_mul(1000) + (t.frac * 1000.0).round() as i64
}

/// `video`: whether the container declares a video track (MP4 and M4A are told apart by it).
fn demux(
    file: std::fs::File,
    container: Container,
    name: &'static str,
    video: bool,
) -> Result<Probed, Refused> {
    let damaged = |e: SymError| Refused::Damaged(name, e.to_string());
    let mss = MediaSourceStream::new(Box::new(file), MediaSourceStreamOptions::default());
    let options = FormatOptions {
        enable_gapless: false,
        prebuild_seek_index: false,
        ..FormatOptions::default()
    };
    let probed = symphonia::default::get_probe()
        .format(&Hint::new(), mss, &options, &MetadataOptions::default())
        .map_err(damaged)?;
    let mut reader = probed.format;
    let tracks: HashMap<u32, TrackInfo> = reader
        .tracks()
        .iter()
        .map(|t| {
            let p = &t.codec_params;
            let info = TrackInfo {
                time_base: p.time_base.filter(|tb| tb.numer > 0 && tb.denom > 0),
                header_end: p.n_frames.map(|n| p.start_ts.saturating_add(n)),
                audio: p.sample_rate.is_some(),
                codec: p.codec,
            };
            (t.id, info)
        })
        .collect();
    if tracks.is_empty() {
        return Err(Refused::Damaged(name, "没有音视频轨道".into()));
    }
    let mut ends: HashMap<u32, u64> = HashMap::new();
    loop {
        match reader.next_packet() {
            Ok(p) => {
                let end = p.ts.saturating_add(p.dur);
                let slot = ends.entry(p.track_id()).or_insert(0);
                *slot = (*slot).max(end);
            }
            Err(SymError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(SymError::ResetRequired) => break,
            Err(e) => return Err(damaged(e)),
        }
    }
    let mut header_ms = 0;
    let mut content_ms = 0;
    for (id, t) in &tracks {
        let Some(tb) = t.time_base else { continue };
        if let Some(end) = t.header_end {
            header_ms = header_ms.max(ms(tb, end));
        }
        if let Some(&end) = ends.get(id) {
            content_ms = content_ms.max(ms(tb, end));
        }
    }
    if header_ms > 0 {
        let slack = HEADER_SLACK_MS.max(header_ms / 50);
        if (header_ms - content_ms).abs() > slack {
            return Err(Refused::Lies {
                header: crate::rules::media::clock(header_ms),
                content: crate::rules::media::clock(content_ms),
            });
        }
    }
    let duration_ms = if header_ms > 0 { header_ms } else { content_ms };
    if duration_ms <= 0 {
        return Err(Refused::Empty);
    }
    let format = match container {
        Container::Wav => Format::Wav,
        Container::Mp3 => Format::Mp3,
        Container::WebM => Format::WebM,
        Container::Iso => {
            let audio_ok = tracks
                .values()
                .filter(|t| t.audio)
                .all(|t| t.codec == CODEC_TYPE_AAC);
            if !audio_ok {
                return Err(Refused::Codec(
                    "MP4/M4A 文件的音频须为 AAC 编码（浏览器才能播放）".into(),
                ));
            }
            let audio = tracks.values().any(|t| t.audio);
            match (video, audio) {
                (true, _) => Format::Mp4,
                (false, true) => Format::M4a,
                (false, false) => return Err(Refused::Damaged(name, "没有音视频轨道".into())),
            }
        }
    };
    Ok(Probed {
        format,
        duration_ms,
    })
}
