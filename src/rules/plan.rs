//! The fewest catalogue courses that close a learner's gap to the yearly targets (Art. 10): the
//! required gap can only be closed by required courses; the total gap by any course.

use super::Tenths;
use super::standing::{Bucket, Gap};

/// A course the learner could still take: its bucket (required or elective) and its credits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub bucket: Bucket,
    pub tenths: Tenths,
}

/// Which candidates to take (indexes into the slice given), and whether they close the gap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub picks: Vec<usize>,
    pub closes: bool,
}

/// Chooses the fewest candidates whose credits close `gap`. First the largest required courses
/// until the required gap is closed, then the largest remaining courses of either kind until the
/// total gap is closed. This is minimal: any solution of k courses holds at least as many required
/// courses as the first step takes, and swapping its courses for the largest ones never lowers
/// either sum. Ties keep the catalogue order. When the catalogue cannot close the gap, everything
/// useful is picked and `closes` is false.
pub fn fewest_courses(gap: Gap, candidates: &[Candidate]) -> Plan {
    let mut order: Vec<usize> = (0..candidates.len())
        .filter(|&i| candidates[i].tenths > Tenths(0) && candidates[i].bucket != Bucket::Exam)
        .collect();
    // Stable sort: larger credits first, catalogue order among equals.
    order.sort_by(|&a, &b| candidates[b].tenths.cmp(&candidates[a].tenths));
    let mut picks = Vec::new();
    let mut required = Tenths(0);
    let mut total = Tenths(0);
    for &i in &order {
        if required >= gap.required {
            break;
        }
        if candidates[i].bucket == Bucket::Required {
            picks.push(i);
            required += candidates[i].tenths;
            total += candidates[i].tenths;
        }
    }
    for &i in &order {
        if total >= gap.total {
            break;
        }
        if !picks.contains(&i) {
            picks.push(i);
            total += candidates[i].tenths;
        }
    }
    Plan {
        closes: required >= gap.required && total >= gap.total,
        picks,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn c(required: bool, tenths: i64) -> Candidate {
        Candidate {
            bucket: if required {
                Bucket::Required
            } else {
                Bucket::Elective
            },
            tenths: Tenths(tenths),
        }
    }

    fn gap(total: i64, required: i64) -> Gap {
        Gap {
            total: Tenths(total),
            required: Tenths(required),
        }
    }

    #[test]
    fn closed_gap_needs_nothing() {
        let p = fewest_courses(gap(0, 0), &[c(true, 10)]);
        assert_eq!(p.picks, Vec::<usize>::new());
        assert!(p.closes);
    }

    #[test]
    fn required_gap_only_by_required_courses() {
        // A 5-credit elective cannot close a 1-credit required gap.
        let p = fewest_courses(gap(10, 10), &[c(false, 50), c(true, 10)]);
        assert_eq!(p.picks, vec![1]);
        assert!(p.closes);
    }

    #[test]
    fn largest_first_and_then_any_kind() {
        let cands = [
            c(true, 10),
            c(true, 30),
            c(false, 40),
            c(true, 20),
            c(false, 5),
        ];
        // Required gap 3.5: 3.0 + 2.0 (two courses, total 5.0); total gap 9.0 needs 4.0 more.
        let p = fewest_courses(gap(90, 35), &cands);
        assert_eq!(p.picks, vec![1, 3, 2]);
        assert!(p.closes);
    }

    #[test]
    fn required_courses_also_count_toward_the_total() {
        let p = fewest_courses(gap(20, 20), &[c(false, 20), c(true, 20)]);
        assert_eq!(p.picks, vec![1]);
    }

    #[test]
    fn exact_boundary_and_ties_keep_order() {
        let p = fewest_courses(gap(20, 0), &[c(false, 10), c(false, 10), c(false, 10)]);
        assert_eq!(p.picks, vec![0, 1]);
        assert!(p.closes);
    }

    #[test]
    fn too_small_a_catalogue_says_so() {
        let p = fewest_courses(gap(100, 50), &[c(true, 20), c(false, 10), c(true, 0)]);
        assert_eq!(p.picks, vec![0, 1]);
        assert!(!p.closes);
    }

    /// The fewest courses by brute force over every subset.
    fn brute_force(g: Gap, cands: &[Candidate]) -> Option<usize> {
        let n = cands.len();
        (0u32..(1 << n))
            .filter(|mask| {
                let mut req = Tenths(0);
                let mut tot = Tenths(0);
                for (i, x) in cands.iter().enumerate() {
                    if mask & (1 << i) != 0 {
                        tot += x.tenths;
                        if x.bucket == Bucket::Required {
                            req += x.tenths;
                        }
                    }
                }
                req >= g.required && tot >= g.total
            })
            .map(|mask| mask.count_ones() as usize)
            .min()
    }

    proptest! {
        #[test]
        fn as_few_as_brute_force(
            raw in proptest::collection::vec((any::<bool>(), 0i64..60), 0..10),
            total in 0i64..200,
            required in 0i64..120,
        ) {
            let cands: Vec<Candidate> = raw.iter().map(|&(r, t)| c(r, t)).collect();
            let g = gap(total, required);
            let plan = fewest_courses(g, &cands);
            match brute_force(g, &cands) {
                Some(best) => {
                    prop_assert!(plan.closes);
                    prop_assert_eq!(plan.picks.len(), best);
                }
                None => prop_assert!(!plan.closes),
            }
        }
    }
}
