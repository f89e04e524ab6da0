//! The anti-idle check's code as a picture drawn on the server (RULES.md, "Completion of a
//! course"): each digit is a path whose points are jittered, turned and scaled at random, among
//! noise strokes and dots, in a shuffled order. No text element and no code anywhere but in the
//! shapes, so a script reading the page or the JSON finds nothing to copy.

use std::fmt::Write;

use rand::Rng;
use rand::seq::SliceRandom;

/// Strokes of each digit in a 10 × 16 cell (polylines; `None` starts a new stroke).
const DIGITS: [&[Option<(f64, f64)>]; 10] = [
    &[
        Some((2.0, 0.0)),
        Some((8.0, 0.0)),
        Some((10.0, 3.0)),
        Some((10.0, 13.0)),
        Some((8.0, 16.0)),
        Some((2.0, 16.0)),
        Some((0.0, 13.0)),
        Some((0.0, 3.0)),
        Some((2.0, 0.0)),
    ],
    &[
        Some((2.0, 3.0)),
        Some((6.0, 0.0)),
        Some((6.0, 16.0)),
        None,
        Some((2.0, 16.0)),
        Some((10.0, 16.0)),
    ],
    &[
        Some((0.0, 3.0)),
        Some((3.0, 0.0)),
        Some((8.0, 0.0)),
        Some((10.0, 3.0)),
        Some((10.0, 6.0)),
        Some((0.0, 16.0)),
        Some((10.0, 16.0)),
    ],
    &[
        Some((0.0, 1.0)),
        Some((10.0, 0.0)),
        Some((4.0, 7.0)),
        Some((8.0, 8.0)),
        Some((10.0, 11.0)),
        Some((9.0, 15.0)),
        Some((5.0, 16.0)),
        Some((0.0, 15.0)),
    ],
    &[
        Some((7.0, 16.0)),
        Some((7.0, 0.0)),
        Some((0.0, 11.0)),
        Some((10.0, 11.0)),
    ],
    &[
        Some((10.0, 0.0)),
        Some((1.0, 0.0)),
        Some((0.0, 7.0)),
        Some((6.0, 6.0)),
        Some((10.0, 9.0)),
        Some((10.0, 13.0)),
        Some((7.0, 16.0)),
        Some((0.0, 15.0)),
    ],
    &[
        Some((9.0, 0.0)),
        Some((4.0, 1.0)),
        Some((1.0, 5.0)),
        Some((0.0, 11.0)),
        Some((2.0, 15.0)),
        Some((6.0, 16.0)),
        Some((9.0, 14.0)),
        Some((10.0, 11.0)),
        Some((8.0, 8.0)),
        Some((4.0, 8.0)),
        Some((0.0, 11.0)),
    ],
    &[
        Some((0.0, 0.0)),
        Some((10.0, 0.0)),
        Some((4.0, 16.0)),
        None,
        Some((3.0, 8.0)),
        Some((9.0, 8.0)),
    ],
    &[
        Some((5.0, 7.0)),
        Some((1.0, 5.0)),
        Some((1.0, 2.0)),
        Some((3.0, 0.0)),
        Some((7.0, 0.0)),
        Some((9.0, 2.0)),
        Some((9.0, 5.0)),
        Some((5.0, 7.0)),
        Some((0.0, 10.0)),
        Some((0.0, 14.0)),
        Some((2.0, 16.0)),
        Some((8.0, 16.0)),
        Some((10.0, 14.0)),
        Some((10.0, 10.0)),
        Some((5.0, 7.0)),
    ],
    &[
        Some((10.0, 5.0)),
        Some((8.0, 8.0)),
        Some((3.0, 8.0)),
        Some((0.0, 5.0)),
        Some((1.0, 1.0)),
        Some((4.0, 0.0)),
        Some((8.0, 0.0)),
        Some((10.0, 3.0)),
        Some((10.0, 9.0)),
        Some((8.0, 14.0)),
        Some((4.0, 16.0)),
        Some((1.0, 15.0)),
    ],
];

const WIDTH: f64 = 180.0;
const HEIGHT: f64 = 64.0;

/// An SVG picture of `code` (digits; anything else is left out), different on every call.
pub fn draw(code: &str, rng: &mut impl Rng) -> String {
    let mut shapes: Vec<String> = Vec::new();
    let digits: Vec<usize> = code
        .chars()
        .filter_map(|c| c.to_digit(10))
        .map(|d| d as usize)
        .collect();
    let cell = (WIDTH - 20.0) / digits.len().max(1) as f64;
    for (i, &d) in digits.iter().enumerate() {
        let scale = rng.gen_range(2.2..2.9);
        let angle: f64 = rng.gen_range(-0.3..0.3);
        let (sin, cos) = angle.sin_cos();
        let ox = 10.0 + cell * i as f64 + rng.gen_range(0.0..(cell - 10.0 * scale).max(1.0));
        let oy = rng.gen_range(4.0..(HEIGHT - 16.0 * scale - 2.0).max(5.0));
        let mut path = String::new();
        let mut pen_up = true;
        for point in DIGITS[d] {
            let Some((x, y)) = point else {
                pen_up = true;
                continue;
            };
            let x = (x + rng.gen_range(-0.5..0.5) - 5.0) * scale;
            let y = (y + rng.gen_range(-0.5..0.5) - 8.0) * scale;
            let px = ox + 5.0 * scale + x * cos - y * sin;
            let py = oy + 8.0 * scale + x * sin + y * cos;
            let _ = write!(path, "{}{px:.1} {py:.1} ", if pen_up { "M" } else { "L" });
            pen_up = false;
        }
        shapes.push(format!(
            "<path d=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{:.1}\" \
             stroke-linecap=\"round\" stroke-linejoin=\"round\"/>",
            path.trim_end(),
            dark(rng),
            rng.gen_range(2.4..3.4)
        ));
    }
    // Noise: curves across the digits (thinner than them) and dots.
    for _ in 0..7 {
        let (a, b, c, e) = (point(rng), point(rng), point(rng), point(rng));
        shapes.push(format!(
            "<path d=\"M{:.1} {:.1} C{:.1} {:.1} {:.1} {:.1} {:.1} {:.1}\" fill=\"none\" \
             stroke=\"{}\" stroke-width=\"{:.1}\"/>",
            a.0,
            a.1,
            b.0,
            b.1,
            c.0,
            c.1,
            e.0,
            e.1,
            light(rng),
            rng.gen_range(0.8..1.6)
        ));
    }
    for _ in 0..60 {
        shapes.push(format!(
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{:.1}\" fill=\"{}\"/>",
            rng.gen_range(0.0..WIDTH),
            rng.gen_range(0.0..HEIGHT),
            rng.gen_range(0.5..1.8),
            light(rng)
        ));
    }
    shapes.shuffle(rng);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\"><rect width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         fill=\"#f4f1e8\"/>{}</svg>",
        shapes.concat()
    )
}

fn point(rng: &mut impl Rng) -> (f64, f64) {
    (rng.gen_range(0.0..WIDTH), rng.gen_range(0.0..HEIGHT))
}

fn dark(rng: &mut impl Rng) -> String {
    format!(
        "rgb({},{},{})",
        rng.gen_range(10..90),
        rng.gen_range(10..90),
        rng.gen_range(40..120)
    )
}

fn light(rng: &mut impl Rng) -> String {
    format!(
        "rgb({},{},{})",
        rng.gen_range(90..200),
        rng.gen_range(90..200),
        rng.gen_range(90..200)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_picture_holds_no_text_and_differs_every_time() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let a = draw("4821", &mut rng);
        let b = draw("4821", &mut rng);
        assert_ne!(a, b);
        for svg in [&a, &b] {
            assert!(svg.starts_with("<svg"));
            assert!(!svg.contains("<text"), "{svg}");
            assert!(!svg.contains("4821"), "{svg}");
            // One stroked path per digit, seven noise curves, sixty dots.
            assert_eq!(svg.matches("stroke-linecap").count(), 4);
            assert_eq!(svg.matches("<circle").count(), 60);
        }
    }
}
