//! Generators of demo and benchmark data: people with valid ID numbers, and a year of learning
//! history with a realistic spread. The generators and `data` are pure (a seeded RNG and tables);
//! `seed` and `courses` write what they make, through app/ and store/ (a loader, like a front).

pub mod courses;
pub mod data;
pub mod media;
pub mod seed;

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::rules::Tenths;
use crate::rules::credits::{CourseKind, course_credit};
use crate::rules::idnum::{self, IdNumber};

/// A generated cadre.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub real_name: String,
    pub id_number: IdNumber,
    pub phone: String,
    pub post: &'static str,
}

/// Makes a person whose ID number is not in `taken` (and adds it there).
pub fn person(rng: &mut StdRng, taken: &mut std::collections::HashSet<String>) -> Person {
    let surname = *data::SURNAMES
        .get(skewed_index(rng, data::SURNAMES.len()))
        .unwrap_or(&"王");
    let given_len = if rng.gen_bool(0.7) { 2 } else { 1 };
    let given: String = (0..given_len)
        .map(|_| *data::GIVEN_CHARS.choose(rng).unwrap_or(&"华"))
        .collect();
    let id_number = loop {
        let region = data::REGION_CODES
            .choose(rng)
            .map(|r| r.0)
            .unwrap_or("431302");
        let year = rng.gen_range(1964..=1999);
        let month = rng.gen_range(1..=12);
        let day = rng.gen_range(1..=28);
        let seq = rng.gen_range(0..1000);
        let first17 = format!("{region}{year:04}{month:02}{day:02}{seq:03}");
        if let Some(id) = idnum::complete(&first17)
            && taken.insert(id.as_str().to_string())
        {
            break id;
        }
    };
    let phone = format!(
        "1{}{:09}",
        ["3", "5", "7", "8", "9"].choose(rng).unwrap_or(&"3"),
        rng.gen_range(0..1_000_000_000u64)
    );
    let post = data::POSTS.choose(rng).map(|p| p.0).unwrap_or("科员");
    Person {
        real_name: format!("{surname}{given}"),
        id_number,
        phone,
        post,
    }
}

/// Common surnames come first in the table: favour low indexes.
fn skewed_index(rng: &mut StdRng, len: usize) -> usize {
    let a = rng.gen_range(0..len.max(1));
    let b = rng.gen_range(0..len.max(1));
    a.min(b)
}

/// A catalogue course as the history generator needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CatalogCourse {
    pub index: usize,
    pub kind: CourseKind,
    pub credit: Tenths,
    pub has_exam: bool,
}

impl CatalogCourse {
    pub fn new(
        index: usize,
        kind: CourseKind,
        duration_s: i64,
        designated: Option<Tenths>,
        has_exam: bool,
    ) -> Self {
        CatalogCourse {
            index,
            kind,
            credit: course_credit(kind, duration_s, designated).tenths,
            has_exam,
        }
    }
}

/// How a learner's year went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Met both targets.
    Compliant,
    /// Enough in total but short of the required minimum.
    ShortRequired,
    /// Started, far from the targets.
    Partial,
    /// Nothing this year.
    Inactive,
}

pub fn profile(rng: &mut StdRng) -> Profile {
    match rng.gen_range(0..100) {
        0..=71 => Profile::Compliant,
        72..=83 => Profile::ShortRequired,
        84..=94 => Profile::Partial,
        _ => Profile::Inactive,
    }
}

/// One generated completion: which course, when, and whether its exam was passed (and when).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Completion {
    pub course: usize,
    pub at: i64,
    pub exam_at: Option<i64>,
}

/// A year of completions for one learner between `from` and `to` (unix seconds), sorted by time.
pub fn history(
    rng: &mut StdRng,
    catalog: &[CatalogCourse],
    p: Profile,
    from: i64,
    to: i64,
) -> Vec<Completion> {
    let (req_goal, total_goal) = match p {
        Profile::Compliant => (240 + rng.gen_range(0..60), 400 + rng.gen_range(0..80)),
        Profile::ShortRequired => (rng.gen_range(80..230), 400 + rng.gen_range(0..40)),
        Profile::Partial => (rng.gen_range(0..120), rng.gen_range(20..300)),
        Profile::Inactive => return Vec::new(),
    };
    let mut order: Vec<&CatalogCourse> = catalog.iter().collect();
    order.shuffle(rng);
    let (required, other): (Vec<&CatalogCourse>, Vec<&CatalogCourse>) = order
        .into_iter()
        .partition(|c| c.kind == CourseKind::Required);
    let mut picked = Vec::new();
    let (mut req, mut total) = (0i64, 0i64);
    for c in required {
        if req >= req_goal {
            break;
        }
        req += c.credit.0;
        total += c.credit.0;
        picked.push(*c);
    }
    for c in other {
        if total >= total_goal {
            break;
        }
        total += c.credit.0;
        picked.push(*c);
    }
    let span = (to - from).max(1);
    let mut out: Vec<Completion> = picked
        .into_iter()
        .map(|c| {
            let at = from + rng.gen_range(0..span);
            let exam_at = (c.has_exam && rng.gen_bool(0.6))
                .then(|| (at + rng.gen_range(600..86_400)).min(to - 1).max(at));
            Completion {
                course: c.index,
                at,
                exam_at,
            }
        })
        .collect();
    out.sort_by_key(|c| c.at);
    out
}

/// `n` distinct courses completed at random moments in [from, to): the fixed-size history used
/// by `wangyuan seed` for benchmarks.
pub fn uniform_history(
    rng: &mut StdRng,
    courses: usize,
    n: usize,
    from: i64,
    to: i64,
) -> Vec<Completion> {
    let mut idx: Vec<usize> = (0..courses).collect();
    idx.shuffle(rng);
    let span = (to - from).max(1);
    idx.into_iter()
        .take(n)
        .map(|course| Completion {
            course,
            at: from + rng.gen_range(0..span),
            exam_at: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use rand::SeedableRng;

    use super::*;

    #[test]
    fn people_have_valid_unique_ids() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut taken = HashSet::new();
        for _ in 0..2000 {
            let p = person(&mut rng, &mut taken);
            assert!(
                IdNumber::parse(p.id_number.as_str()).is_ok(),
                "{}",
                p.id_number
            );
            assert!(p.real_name.chars().count() >= 2);
            assert_eq!(p.phone.len(), 11);
        }
        assert_eq!(taken.len(), 2000);
    }

    #[test]
    fn compliant_profile_reaches_targets() {
        let mut rng = StdRng::seed_from_u64(1);
        let catalog: Vec<CatalogCourse> = data::COURSES
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let tenths = c.designated_tenths.map(Tenths);
                CatalogCourse::new(i, c.kind, c.duration_s(), tenths, c.exam)
            })
            .collect();
        for _ in 0..200 {
            let h = history(&mut rng, &catalog, Profile::Compliant, 0, 1000);
            let req: i64 = h
                .iter()
                .filter(|c| catalog[c.course].kind == CourseKind::Required)
                .map(|c| catalog[c.course].credit.0)
                .sum();
            let total: i64 = h.iter().map(|c| catalog[c.course].credit.0).sum();
            assert!(req >= 240, "required {req}");
            assert!(total >= 400, "total {total}");
            let distinct: HashSet<usize> = h.iter().map(|c| c.course).collect();
            assert_eq!(distinct.len(), h.len());
            assert!(h.windows(2).all(|w| w[0].at <= w[1].at));
        }
    }
}
