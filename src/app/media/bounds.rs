//! Before a demuxer sees a file: every box (MP4) or element (WebM) must lie inside its parent and
//! the file, and MP4 sample tables may not claim more entries than their bytes hold. Symphonia
//! sizes some allocations from these claims (a table's entry count, a binary element's length),
//! and Rust cannot survive a failed allocation, so a crafted header must be refused here first.

use std::io::{Read, Seek, SeekFrom};

use crate::rules::media::Container;

/// Boxes or elements walked at most (a real lecture has a few hundred, plus its clusters).
const MAX_ITEMS: usize = 5_000_000;
const MAX_DEPTH: usize = 12;

type Check = Result<(), String>;

/// Checks the structure of a file of `len` bytes; MP3 and WAV need no walk (Symphonia reads them
/// in bounded pieces).
pub fn check<R: Read + Seek>(file: &mut R, len: u64, container: Container) -> Check {
    let mut items = 0usize;
    match container {
        Container::Iso => iso(file, 0, len, 0, &mut items),
        Container::WebM => ebml(file, 0, len, 0, &mut items),
        Container::Mp3 | Container::Wav => Ok(()),
    }
}

fn read_exact<R: Read>(file: &mut R, buf: &mut [u8]) -> Check {
    file.read_exact(buf)
        .map_err(|_| "文件在结构中途结束".to_string())
}

fn be(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b))
}

/// ISO boxes between `start` and `end`.
fn iso<R: Read + Seek>(f: &mut R, start: u64, end: u64, depth: usize, items: &mut usize) -> Check {
    if depth > MAX_DEPTH {
        return Err("MP4 盒子嵌套过深".into());
    }
    let mut pos = start;
    while pos + 8 <= end {
        *items += 1;
        if *items > MAX_ITEMS {
            return Err("MP4 盒子过多".into());
        }
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
            b"moov" | b"trak" | b"mdia" | b"minf" | b"stbl" | b"edts" | b"mvex" | b"moof"
            | b"traf" | b"dinf" | b"udta" => iso(f, body, box_end, depth + 1, items)?,
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
fn ebml<R: Read + Seek>(f: &mut R, start: u64, end: u64, depth: usize, items: &mut usize) -> Check {
    const MASTERS: [u64; 16] = [
        0x1A45_DFA3, // EBML
        0x1853_8067, // Segment
        0x114D_9B74, // SeekHead
        0x4DBB,      // Seek
        0x1549_A966, // Info
        0x1654_AE6B, // Tracks
        0xAE,        // TrackEntry
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
    if depth > MAX_DEPTH {
        return Err("WebM 元素嵌套过深".into());
    }
    let mut pos = start;
    while pos < end {
        *items += 1;
        if *items > MAX_ITEMS {
            return Err("WebM 元素过多".into());
        }
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
        if MASTERS.contains(&id) || id == 0xA0 {
            ebml(f, body, element_end, depth + 1, items)?;
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

    fn iso_check(bytes: &[u8]) -> Check {
        check(&mut Cursor::new(bytes), bytes.len() as u64, Container::Iso)
    }

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn boxes_and_tables_must_fit() {
        let ftyp = boxed(b"ftyp", b"isom\0\0\0\0");
        // An stco with 2 entries of 4 bytes: fits.
        let mut ok = ftyp.clone();
        let stco = boxed(b"stco", &[0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]);
        ok.extend(boxed(b"moov", &boxed(b"trak", &stco)));
        assert_eq!(iso_check(&ok), Ok(()));
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
        // An EBML header holding one element (DocType "webm"), and nothing else.
        let fine = [
            0x1A, 0x45, 0xDF, 0xA3, 0x87, 0x42, 0x82, 0x84, b'w', b'e', b'b', b'm',
        ];
        assert_eq!(check(&mut Cursor::new(&fine), 12, Container::WebM), Ok(()));
    }
}
