//! Demo lecture media: a WAV file (8 kHz, 8-bit mono PCM, which every browser's `<audio>` and
//! `<video>` element plays) whose length is exactly the course duration it stands for. It ticks
//! once a second, with a higher tone every tenth second, so a listener hears time pass.

const SAMPLE_RATE: u32 = 8_000;

/// The bytes of a `duration_s`-second WAV file.
pub fn tick_wav(duration_s: u32) -> Vec<u8> {
    let samples = SAMPLE_RATE * duration_s;
    let mut out = Vec::with_capacity(44 + samples as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + samples).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&16u32.to_le_bytes()); // fmt chunk size
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes());
    out.extend_from_slice(&SAMPLE_RATE.to_le_bytes()); // byte rate: 1 byte per sample
    out.extend_from_slice(&1u16.to_le_bytes()); // block align
    out.extend_from_slice(&8u16.to_le_bytes()); // bits per sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&samples.to_le_bytes());
    let tick_len = SAMPLE_RATE / 10; // 0.1 s
    for i in 0..samples {
        let second = i / SAMPLE_RATE;
        let within = i % SAMPLE_RATE;
        let sample = if within < tick_len {
            let freq = if second.is_multiple_of(10) {
                880.0
            } else {
                440.0
            };
            let t = f64::from(within) / f64::from(SAMPLE_RATE);
            // Fade out over the tick so it does not click.
            let envelope = 1.0 - f64::from(within) / f64::from(tick_len);
            let v = (t * freq * std::f64::consts::TAU).sin() * 40.0 * envelope;
            (128.0 + v).round() as u8
        } else {
            128
        };
        out.push(sample);
    }
    out
}

/// The playing time of a WAV made by [`tick_wav`], from its header.
pub fn wav_duration_s(bytes: &[u8]) -> Option<f64> {
    let le32 = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
    };
    if bytes.get(0..4)? != b"RIFF" || bytes.get(8..12)? != b"WAVE" || bytes.get(36..40)? != b"data"
    {
        return None;
    }
    let byte_rate = le32(28)?;
    let data = le32(40)?;
    (byte_rate > 0).then(|| f64::from(data) / f64::from(byte_rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_matches_the_duration() {
        for secs in [1, 60, 125] {
            let wav = tick_wav(secs);
            assert_eq!(wav.len(), 44 + 8_000 * secs as usize);
            assert_eq!(wav_duration_s(&wav), Some(f64::from(secs)));
            let riff = u32::from_le_bytes(wav[4..8].try_into().unwrap());
            assert_eq!(riff as usize, wav.len() - 8);
        }
        // Silence between ticks, sound in them.
        let wav = tick_wav(2);
        assert_eq!(wav[44 + 4_000], 128);
        assert!(wav[44..44 + 800].iter().any(|&s| s != 128));
        assert_eq!(wav_duration_s(b"nonsense"), None);
    }
}
