//! Before a demuxer sees a file: every box (MP4) or element (WebM) must lie inside its parent and
//! the file, and MP4 sample tables may not claim more entries than their bytes hold. Symphonia
//! sizes some allocations from these claims (a table's entry count, a binary element's length),
//! and Rust cannot survive a failed allocation, so a crafted header must be refused here first.
//! The same walk notes each track's kind and codec as declared (MP4 `hdlr` and `stsd`, WebM
//! `TrackType` and `CodecID`): Symphonia reads audio codecs only, and a browser plays an MP4's
//! video only when it is H.264 (`rules::media::check_codecs`). Every read here is a few bytes at
//! a known offset; nothing is sized from the file.

use std::io::{Read, Seek, SeekFrom};

use crate::rules::media::{Container, DeclaredTrack, MAX_CODEC_NAME, MAX_TRACKS, TrackKind};

/// Boxes or elements walked at most (a real lecture has a few hundred, plus its clusters).
const MAX_ITEMS: usize = 5_000_000;
const MAX_DEPTH: usize = 12;

type Check = Result<(), String>;

/// What the walk gathers: the item count and the tracks declared so far.
#[derive(Default)]
struct Walk {
    items: usize,
    tracks: Vec<DeclaredTrack>,
    /// The track whose header is being walked (MP4 `trak`, WebM `TrackEntry`).
    open: Option<Partial>,
}

#[derive(Default)]
struct Partial {
    kind: Option<TrackKind>,
    codec: Option<String>,
}

impl Walk {
    fn count(&mut self, what: &str) -> Check {
        self.items += 1;
        if self.items > MAX_ITEMS {
            return Err(format!("{what}过多"));
        }
        Ok(())
    }

    fn open_track(&mut self) -> Check {
        if self.open.is_some() {
            return Err("轨道嵌套在轨道中".into());
        }
        if self.tracks.len() >= MAX_TRACKS {
            return Err(format!("轨道多于 {MAX_TRACKS} 条"));
        }
        self.open = Some(Partial::default());
        Ok(())
    }

    /// Ends the open track; `missing` names what a track must declare (MP4 only: a WebM track
    /// without a type or codec is not a playable one and is ignored).
    fn close_track(&mut self, container: Container) -> Check {
        let Some(p) = self.open.take() else {
            return Ok(());
        };
        match (p.kind, p.codec, container) {
            (Some(kind), Some(codec), _) => self.tracks.push(DeclaredTrack { kind, codec }),
            (None, _, Container::Iso) => return Err("MP4 轨道缺少 hdlr（轨道类型）".into()),
            (_, None, Container::Iso) => return Err("MP4 轨道缺少 stsd（编码说明）".into()),
            _ => {}
        }
        Ok(())
    }

    fn note(&mut self, f: impl FnOnce(&mut Partial)) {
        if let Some(p) = self.open.as_mut() {
            f(p);
        }
    }
}

/// Checks the structure of a file of `len` bytes and returns the tracks it declares; MP3 and WAV
/// need no walk (Symphonia reads them in bounded pieces) and declare none.
pub fn check<R: Read + Seek>(
    file: &mut R,
    len: u64,
    container: Container,
) -> Result<Vec<DeclaredTrack>, String> {
    let mut walk = Walk::default();
    match container {
        Container::Iso => iso(file, 0, len, 0, &mut walk)?,
        Container::WebM => ebml(file, 0, len, 0, &mut walk)?,
        Container::Mp3 | Container::Wav => {}
    }
    walk.close_track(container)?;
    Ok(walk.tracks)
}

fn read_exact<R: Read>(file: &mut R, buf: &mut [u8]) -> Check {
    file.read_exact(buf)
        .map_err(|_| "文件在结构中途结束".to_string())
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// `N` bytes at `at`, which must end by `end`.
fn bytes_at<R: Read + Seek, const N: usize>(
    f: &mut R,
    at: u64,
    end: u64,
) -> Result<[u8; N], String> {
    if at.saturating_add(N as u64) > end {
        return Err("文件在结构中途结束".into());
    }
    f.seek(SeekFrom::Start(at)).map_err(|e| e.to_string())?;
    let mut buf = [0u8; N];
    read_exact(f, &mut buf)?;
    Ok(buf)
}

fn fourcc(code: [u8; 4]) -> String {
    if code.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        String::from_utf8_lossy(&code).into_owned()
    } else {
        // Not text: hex, which no allowed name matches.
        code.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// ISO boxes between `start` and `end`.
fn iso<R: Read + Seek>(f: &mut R, start: u64, end: u64, depth: usize, walk: &mut Walk) -> Check {
    if depth > MAX_DEPTH {
        return Err("MP4 盒子嵌套过深".into());
    }
    let mut pos = start;
    while pos + 8 <= end {
        walk.count("MP4 盒子")?;
        f.seek(SeekFrom::Start(pos)).map_err(|e| e.to_string())?;
        let mut head = [0u8; 8];
        read_exact(f, &mut head)?;
        let kind: [u8; 4] = [head[4], head[5], head[6], head[7]];
        let (size, header) = match be(&head[0..4]) {
            0 => (end - pos, 8),
            1 => {
                let mut large = [0u8; 8];
                read_exact(f, &mut large)?;
                (be(&large), 16)
            }
            n => (n, 8),
        };
        if size < header || pos.checked_add(size).is_none_or(|e| e > end) {
            return Err(format!(
                "MP4 盒子 {} 的长度超出文件",
                String::from_utf8_lossy(&kind)
            ));
        }
        let body = pos + header;
        let box_end = pos + size;
        match &kind {
            b"trak" => {
                walk.open_track()?;
                iso(f, body, box_end, depth + 1, walk)?;
                walk.close_track(Container::Iso)?;
            }
            b"moov" | b"mdia" | b"minf" | b"stbl" | b"edts" | b"mvex" | b"moof" | b"traf"
            | b"dinf" | b"udta" => iso(f, body, box_end, depth + 1, walk)?,
            // Version and flags, pre_defined, then the handler type.
            b"hdlr" => {
                let handler: [u8; 4] = bytes_at(f, body + 8, box_end)?;
                let kind = match &handler {
                    b"vide" => TrackKind::Video,
                    b"soun" => TrackKind::Audio,
                    _ => TrackKind::Other,
                };
                // The media's own handler comes first; a QuickTime data handler (`minf/hdlr`,
                // `alis`) after it says nothing of the track.
                walk.note(|t| {
                    t.kind.get_or_insert(kind);
                });
            }
            // Version and flags, the entry count, then the first sample entry (a box whose type
            // is the codec). Symphonia takes exactly one entry; so do we.
            b"stsd" => {
                let count = be(&bytes_at::<R, 4>(f, body + 4, box_end)?);
                if count != 1 {
                    return Err(format!(
                        "MP4 编码说明（stsd）须有且只有 1 项，此处为 {count} 项"
                    ));
                }
                let entry: [u8; 8] = bytes_at(f, body + 8, box_end)?;
                let codec = fourcc([entry[4], entry[5], entry[6], entry[7]]);
                walk.note(|t| t.codec = Some(codec));
            }
            b"stco" | b"stss" => table(f, body, box_end, 0, 4)?,
            b"co64" | b"stts" | b"ctts" => table(f, body, box_end, 0, 8)?,
            b"stsc" => table(f, body, box_end, 0, 12)?,
            b"elst" => table(f, body, box_end, 0, 12)?,
            b"stsz" => table(f, body, box_end, 4, 4)?,
            _ => {}
        }
        pos = box_end;
    }
    Ok(())
}

/// A full box's table: version and flags, `skip` more bytes, a 32-bit count, then `count` entries
/// of at least `entry` bytes, all inside the box. (`stsz` has no table when its fixed sample size
/// is set, and `elst` version 1 entries are longer: both only make the bound looser.)
fn table<R: Read + Seek>(f: &mut R, body: u64, end: u64, skip: u64, entry: u64) -> Check {
    f.seek(SeekFrom::Start(body + 4 + skip))
        .map_err(|e| e.to_string())?;
    let mut count = [0u8; 4];
    read_exact(f, &mut count)?;
    let room = end.saturating_sub(body + 8 + skip);
    if be(&count).saturating_mul(entry) > room && !(skip == 4 && fixed_size(f, body)?) {
        return Err("MP4 样本表声明的条目多于其内容".into());
    }
    Ok(())
}

fn fixed_size<R: Read + Seek>(f: &mut R, body: u64) -> Result<bool, String> {
    f.seek(SeekFrom::Start(body + 4))
        .map_err(|e| e.to_string())?;
    let mut size = [0u8; 4];
    read_exact(f, &mut size)?;
    Ok(be(&size) != 0)
}

/// An EBML variable-length integer: (value, length); all ones means "unknown".
fn vint<R: Read>(f: &mut R, keep_marker: bool) -> Result<(u64, u64, bool), String> {
    let mut first = [0u8; 1];
    read_exact(f, &mut first)?;
    let width = u64::from(first[0].leading_zeros()) + 1;
    if width > 8 {
        return Err("WebM 元素头无效".into());
    }
    let mut value = u64::from(first[0]);
    if !keep_marker {
        value &= (1u64 << (8 - width)) - 1;
    }
    let mut all_ones = value == (1u64 << (8 - width)) - 1;
    for _ in 1..width {
        let mut b = [0u8; 1];
        read_exact(f, &mut b)?;
        all_ones &= b[0] == 0xFF;
        value = (value << 8) | u64::from(b[0]);
    }
    Ok((value, width, all_ones && !keep_marker))
}

/// EBML elements between `start` and `end`; master elements are walked into.
fn ebml<R: Read + Seek>(f: &mut R, start: u64, end: u64, depth: usize, walk: &mut Walk) -> Check {
    const MASTERS: [u64; 15] = [
        0x1A45_DFA3, // EBML
        0x1853_8067, // Segment
        0x114D_9B74, // SeekHead
        0x4DBB,      // Seek
        0x1549_A966, // Info
        0x1654_AE6B, // Tracks
        0xE0,        // Video
        0xE1,        // Audio
        0x1C53_BB6B, // Cues
        0xBB,        // CuePoint
        0xB7,        // CueTrackPositions
        0x1254_C367, // Tags
        0x7373,      // Tag
        0x67C8,      // SimpleTag
        0x1F43_B675, // Cluster
    ];
    const TRACK_ENTRY: u64 = 0xAE;
    const TRACK_TYPE: u64 = 0x83;
    const CODEC_ID: u64 = 0x86;
    if depth > MAX_DEPTH {
        return Err("WebM 元素嵌套过深".into());
    }
    let mut pos = start;
    while pos < end {
        walk.count("WebM 元素")?;
        f.seek(SeekFrom::Start(pos)).map_err(|e| e.to_string())?;
        let (id, id_len, _) = vint(f, true)?;
        let (size, size_len, unknown) = vint(f, false)?;
        let body = pos + id_len + size_len;
        let element_end = if unknown {
            end
        } else {
            body.checked_add(size)
                .filter(|e| *e <= end)
                .ok_or_else(|| format!("WebM 元素 {id:X} 的长度超出文件"))?
        };
        let known = !unknown && walk.open.is_some();
        match id {
            TRACK_ENTRY => {
                walk.open_track()?;
                ebml(f, body, element_end, depth + 1, walk)?;
                walk.close_track(Container::WebM)?;
            }
            // An unsigned integer of up to 8 bytes: 1 video, 2 audio.
            TRACK_TYPE if known && size <= 8 => {
                let mut value = [0u8; 8];
                read_exact(f, &mut value[..size as usize])?;
                let kind = match be(&value[..size as usize]) {
                    1 => TrackKind::Video,
                    2 => TrackKind::Audio,
                    _ => TrackKind::Other,
                };
                walk.note(|t| t.kind = Some(kind));
            }
            CODEC_ID if known => {
                if size > MAX_CODEC_NAME as u64 {
                    return Err(format!("WebM 编码名称长于 {MAX_CODEC_NAME} 字节"));
                }
                let mut name = [0u8; MAX_CODEC_NAME];
                read_exact(f, &mut name[..size as usize])?;
                // A string element may be padded with zero bytes.
                let name = &name[..size as usize];
                let text = name.split(|b| *b == 0).next().unwrap_or_default();
                let codec = String::from_utf8_lossy(text).into_owned();
                walk.note(|t| t.codec = Some(codec));
            }
            _ if MASTERS.contains(&id) || id == 0xA0 => {
                ebml(f, body, element_end, depth + 1, walk)?;
            }
            _ => {}
        }
        if unknown {
            // Known only to its parent: the rest was walked as its children.
            return Ok(());
        }
        pos = element_end;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn iso_check(bytes: &[u8]) -> Result<Vec<DeclaredTrack>, String> {
        check(&mut Cursor::new(bytes), bytes.len() as u64, Container::Iso)
    }

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    /// A `trak` whose `mdia` declares `handler` and one sample entry `codec`, with `more` in `stbl`.
    fn trak(handler: &[u8; 4], codec: &[u8; 4], more: &[u8]) -> Vec<u8> {
        let mut hdlr = vec![0u8; 8];
        hdlr.extend_from_slice(handler);
        hdlr.extend_from_slice(&[0u8; 13]);
        let mut stsd = vec![0, 0, 0, 0, 0, 0, 0, 1];
        stsd.extend(boxed(codec, &[0u8; 16]));
        let mut stbl = boxed(b"stsd", &stsd);
        stbl.extend_from_slice(more);
        let mut mdia = boxed(b"hdlr", &hdlr);
        mdia.extend(boxed(b"minf", &boxed(b"stbl", &stbl)));
        boxed(b"trak", &boxed(b"mdia", &mdia))
    }

    #[test]
    fn tracks_declare_their_kind_and_codec() {
        let mut file = boxed(b"ftyp", b"isom\0\0\0\0");
        let mut moov = trak(b"vide", b"hvc1", &[]);
        moov.extend(trak(b"soun", b"mp4a", &[]));
        moov.extend(trak(b"tmcd", b"tmcd", &[]));
        file.extend(boxed(b"moov", &moov));
        let tracks = iso_check(&file).expect("walk");
        let found: Vec<(TrackKind, &str)> =
            tracks.iter().map(|t| (t.kind, t.codec.as_str())).collect();
        assert_eq!(
            found,
            [
                (TrackKind::Video, "hvc1"),
                (TrackKind::Audio, "mp4a"),
                (TrackKind::Other, "tmcd")
            ]
        );
        // A track without its handler, one with two sample entries, one inside another.
        let mut bare = boxed(b"ftyp", b"isom\0\0\0\0");
        bare.extend(boxed(b"moov", &boxed(b"trak", &boxed(b"tkhd", &[0u8; 84]))));
        assert!(iso_check(&bare).unwrap_err().contains("hdlr"));
        let mut two = trak(b"vide", b"avc1", &[]);
        let at = two.windows(4).position(|w| w == b"stsd").expect("stsd") + 11;
        two[at] = 2;
        let mut file = boxed(b"ftyp", b"isom\0\0\0\0");
        file.extend(boxed(b"moov", &two));
        assert!(iso_check(&file).unwrap_err().contains("有且只有 1 项"));
        let mut nested = boxed(b"ftyp", b"isom\0\0\0\0");
        nested.extend(boxed(
            b"moov",
            &boxed(b"trak", &trak(b"vide", b"avc1", &[])),
        ));
        assert!(iso_check(&nested).is_err());
        // More tracks than a lecture has.
        let many: Vec<u8> = (0..=MAX_TRACKS)
            .flat_map(|_| trak(b"soun", b"mp4a", &[]))
            .collect();
        let mut file = boxed(b"ftyp", b"isom\0\0\0\0");
        file.extend(boxed(b"moov", &many));
        assert!(iso_check(&file).unwrap_err().contains("轨道多于"));
    }

    #[test]
    fn boxes_and_tables_must_fit() {
        let ftyp = boxed(b"ftyp", b"isom\0\0\0\0");
        // An stco with 2 entries of 4 bytes: fits.
        let mut ok = ftyp.clone();
        let stco = boxed(b"stco", &[0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
        ok.extend(boxed(b"moov", &trak(b"vide", b"avc1", &stco)));
        let video = DeclaredTrack {
            kind: TrackKind::Video,
            codec: "avc1".into(),
        };
        assert_eq!(iso_check(&ok), Ok(vec![video]));
        // The same table claiming a billion entries.
        let mut bomb = ftyp.clone();
        let stco = boxed(b"stco", &[0, 0, 0, 0, 0x40, 0, 0, 0, 0, 0, 0, 1]);
        bomb.extend(boxed(b"moov", &boxed(b"trak", &stco)));
        assert!(iso_check(&bomb).is_err());
        // A box longer than the file.
        let mut long = ftyp;
        long.extend_from_slice(&[0x7F, 0, 0, 0]);
        long.extend_from_slice(b"moov");
        assert!(iso_check(&long).is_err());
    }

    #[test]
    fn webm_elements_must_fit() {
        // EBML header (empty) then a CodecPrivate-sized claim of 2^40 bytes inside a Segment.
        let mut bytes = vec![0x1A, 0x45, 0xDF, 0xA3, 0x80];
        bytes.extend_from_slice(&[
            0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ]);
        bytes.extend_from_slice(&[0x63, 0xA2, 0x08, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]);
        let len = bytes.len() as u64;
        assert!(check(&mut Cursor::new(&bytes), len, Container::WebM).is_err());
        // Tracks (in a sized Segment): a VP9 video and an Opus audio entry.
        let entry = |kind: u8, codec: &[u8]| {
            let mut e = vec![0x83, 0x81, kind, 0x86, 0x80 | codec.len() as u8];
            e.extend_from_slice(codec);
            let mut out = vec![0xAE, 0x80 | e.len() as u8];
            out.extend(e);
            out
        };
        let mut tracks = entry(1, b"V_VP9");
        tracks.extend(entry(2, b"A_OPUS"));
        let mut segment = vec![0x16, 0x54, 0xAE, 0x6B, 0x80 | tracks.len() as u8];
        segment.extend(tracks);
        let mut file = vec![0x1A, 0x45, 0xDF, 0xA3, 0x80, 0x18, 0x53, 0x80, 0x67];
        file.push(0x80 | segment.len() as u8);
        file.extend(segment);
        let len = file.len() as u64;
        let found = check(&mut Cursor::new(&file), len, Container::WebM).expect("walk");
        let found: Vec<(TrackKind, &str)> =
            found.iter().map(|t| (t.kind, t.codec.as_str())).collect();
        assert_eq!(
            found,
            [(TrackKind::Video, "V_VP9"), (TrackKind::Audio, "A_OPUS")]
        );
        // An EBML header holding one element (DocType "webm"), and nothing else.
        let fine = [
            0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84, b'w', b'e', b'b', b'm',
        ];
        assert_eq!(
            check(&mut Cursor::new(&fine), 12, Container::WebM),
            Ok(vec![])
        );
    }
}
