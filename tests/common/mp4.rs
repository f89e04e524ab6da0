//! A minimal MP4 built box by box: one video track whose sample entry has the given codec code
//! (`avc1`, `hvc1`, …) and one 16-byte sample per second. Enough for a demuxer to read its
//! duration and packets, and for the upload check to see which video codec it declares.

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(body.len() + 8)
        .expect("small box")
        .to_be_bytes()
        .to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(body);
    out
}

fn be32(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_be_bytes()).collect()
}

/// The identity matrix of `mvhd` and `tkhd`.
fn matrix() -> Vec<u8> {
    be32(&[0x1_0000, 0, 0, 0, 0x1_0000, 0, 0, 0, 0x4000_0000])
}

/// A `seconds`-long video-only MP4 whose one sample entry is `codec`.
pub fn video(codec: &[u8; 4], seconds: u32) -> Vec<u8> {
    const TIMESCALE: u32 = 1_000;
    const SAMPLE: u32 = 16;
    let duration = seconds * TIMESCALE;

    let mut mvhd = be32(&[0, 0, 0, TIMESCALE, duration, 0x1_0000]);
    mvhd.extend_from_slice(&[0x01, 0x00]); // volume 1.0
    mvhd.extend_from_slice(&[0; 10]);
    mvhd.extend(matrix());
    mvhd.extend_from_slice(&[0; 24]);
    mvhd.extend(be32(&[2])); // next track id

    let mut tkhd = be32(&[3, 0, 0, 1, 0, duration, 0, 0]); // enabled, in movie
    tkhd.extend_from_slice(&[0; 8]); // layer, group, volume, reserved
    tkhd.extend(matrix());
    tkhd.extend(be32(&[320 << 16, 180 << 16]));

    let mut mdhd = be32(&[0, 0, 0, TIMESCALE, duration]);
    mdhd.extend_from_slice(&[0x55, 0xC4, 0, 0]); // language "und"

    let mut hdlr = be32(&[0, 0]);
    hdlr.extend_from_slice(b"vide");
    hdlr.extend_from_slice(&[0; 12]);
    hdlr.extend_from_slice(b"Video\0");

    // A visual sample entry: reserved, data reference 1, sizes, resolution, depth.
    let mut entry = vec![0, 0, 0, 0, 0, 0, 0, 1];
    entry.extend_from_slice(&[0; 16]);
    entry.extend_from_slice(&[0x01, 0x40, 0x00, 0xB4]); // 320 × 180
    entry.extend(be32(&[0x48_0000, 0x48_0000, 0]));
    entry.extend_from_slice(&[0, 1]); // one frame per sample
    entry.extend_from_slice(&[0; 32]); // compressor name
    entry.extend_from_slice(&[0, 0x18, 0xFF, 0xFF]);
    let mut stsd = be32(&[0, 1]);
    stsd.extend(boxed(codec, &entry));

    let stbl_without_stco = [
        boxed(b"stsd", &stsd),
        boxed(b"stts", &be32(&[0, 1, seconds, TIMESCALE])),
        boxed(b"stsc", &be32(&[0, 1, 1, seconds, 1])),
        boxed(b"stsz", &be32(&[0, SAMPLE, seconds])),
    ]
    .concat();
    let build = |chunk_offset: u32| {
        let stbl = [
            stbl_without_stco.clone(),
            boxed(b"stco", &be32(&[0, 1, chunk_offset])),
        ]
        .concat();
        let minf = boxed(b"minf", &boxed(b"stbl", &stbl));
        let mdia = boxed(
            b"mdia",
            &[boxed(b"mdhd", &mdhd), boxed(b"hdlr", &hdlr), minf].concat(),
        );
        let trak = boxed(b"trak", &[boxed(b"tkhd", &tkhd), mdia].concat());
        boxed(b"moov", &[boxed(b"mvhd", &mvhd), trak].concat())
    };
    let ftyp = boxed(b"ftyp", b"isom\0\0\x02\0isomiso2avc1mp41");
    // The moov's size does not depend on the offset it holds.
    let offset = ftyp.len() + build(0).len() + 8;
    let moov = build(u32::try_from(offset).expect("small file"));
    let samples: Vec<u8> = (0..seconds * SAMPLE).map(|i| (i % 251) as u8).collect();
    [ftyp, moov, boxed(b"mdat", &samples)].concat()
}
