//! Graduation kept true: the cached `done_count` and `graduated_at` of class members are
//! recomputed from the ledger (`rules::classes::outcome`) inside the transaction of every write
//! that can move them — a course completion, a legacy import, a revocation (`after_ledger_write`)
//! and every change to a class (`recompute_class`). Closed classes are never recomputed.

use std::collections::HashMap;

use crate::rules::Tenths;
use crate::rules::classes::{Dates, Terms, outcome};
use crate::store::classes::{self as store, ClassRow, MemberTerms, Outcome};
use crate::store::{Db, Tx};

use super::super::Result;

/// Recomputes the account's results in every class, not closed, that holds them, after a ledger
/// entry of theirs was written or revoked in `tx`. Returns whether any result moved (then the
/// caller announces `Topic::Classes` with its commit). One indexed query when the account is in
/// no class; a few more per class otherwise. Public for the benchmark (benches/classes.rs); the
/// ledger's writes call it.
pub async fn after_ledger_write(tx: &mut Tx, account_id: i64) -> Result<bool> {
    let classes = store::live_classes_of(tx, account_id).await?;
    if classes.is_empty() {
        return Ok(false);
    }
    let completions = store::completions_of(tx, account_id).await?;
    let mut elective: HashMap<String, Vec<(i64, Tenths)>> = HashMap::new();
    let mut moved = false;
    for class in &classes {
        let courses = store::course_ids(&mut **tx, class.class_id).await?;
        let credits = match &class.min_elective_category {
            Some(category) => {
                if !elective.contains_key(category) {
                    let rows = store::elective_of(tx, account_id, category).await?;
                    elective.insert(
                        category.clone(),
                        rows.into_iter().map(|(at, t)| (at, Tenths(t))).collect(),
                    );
                }
                elective
                    .get(category)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
            }
            None => &[],
        };
        let got = outcome(&terms_of(class, &courses), &completions, credits);
        let now = Outcome {
            account_id,
            done_count: got.done as i64,
            graduated_at: got.graduated_at,
        };
        if (now.done_count, now.graduated_at) != (class.done_count, class.graduated_at) {
            store::set_outcome(tx, class.class_id, &now).await?;
            moved = true;
        }
    }
    Ok(moved)
}

fn terms_of<'a>(c: &MemberTerms, courses: &'a [i64]) -> Terms<'a> {
    Terms {
        dates: Dates {
            starts_at: c.starts_at,
            ends_at: c.ends_at,
        },
        earlier_counts: c.earlier_counts == 1,
        courses,
        min_elective: c.min_elective_tenths.map(Tenths),
    }
}

/// Recomputes every active member of the class (after its courses, dates or terms changed,
/// members were added, or before it opens or closes), writing only the results that moved.
pub(super) async fn recompute_class(tx: &mut Tx, class_id: i64) -> Result<()> {
    let Some(class) = store::get_tx(tx, class_id).await? else {
        return Ok(());
    };
    let courses = store::course_ids(&mut **tx, class_id).await?;
    let completions = store::completions_of_class(&mut **tx, class_id).await?;
    let elective = match &class.min_elective_category {
        Some(category) => store::elective_of_class(&mut **tx, class_id, category).await?,
        None => Vec::new(),
    };
    let stored = store::outcomes(&mut **tx, class_id).await?;
    let moved = moved(&class, &courses, completions, elective, stored);
    if !moved.is_empty() {
        store::set_outcomes(tx, class_id, &moved).await?;
    }
    Ok(())
}

/// For `wangyuan check`: the classes, not closed, with a member whose cached result differs from
/// a recomputation from the ledger (read without locking anything).
pub(crate) async fn stale_classes(db: &Db) -> Result<Vec<i64>> {
    let pool = db.reader();
    let mut stale = Vec::new();
    for id in store::live_ids(pool).await? {
        let Some(class) = store::get(pool, id).await? else {
            continue;
        };
        let courses = store::course_ids(pool, id).await?;
        let completions = store::completions_of_class(pool, id).await?;
        let elective = match &class.min_elective_category {
            Some(category) => store::elective_of_class(pool, id, category).await?,
            None => Vec::new(),
        };
        let stored = store::outcomes(pool, id).await?;
        if !moved(&class, &courses, completions, elective, stored).is_empty() {
            stale.push(id);
        }
    }
    Ok(stale)
}

/// The members' results that differ from `stored`, recomputed from their completions of the
/// class courses and elective credits, as (account, course, when) and (account, when, tenths).
fn moved(
    class: &ClassRow,
    courses: &[i64],
    completions: Vec<(i64, i64, i64)>,
    elective: Vec<(i64, i64, i64)>,
    stored: Vec<Outcome>,
) -> Vec<Outcome> {
    let terms = Terms {
        dates: Dates {
            starts_at: class.starts_at,
            ends_at: class.ends_at,
        },
        earlier_counts: class.earlier_counts == 1,
        courses,
        min_elective: class.min_elective_tenths.map(Tenths),
    };
    let mut done: HashMap<i64, Vec<(i64, i64)>> = HashMap::new();
    for (account, course, at) in completions {
        done.entry(account).or_default().push((course, at));
    }
    let mut credits: HashMap<i64, Vec<(i64, Tenths)>> = HashMap::new();
    for (account, at, t) in elective {
        credits.entry(account).or_default().push((at, Tenths(t)));
    }
    stored
        .into_iter()
        .filter_map(|was| {
            let d = done
                .get(&was.account_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let c = credits
                .get(&was.account_id)
                .map(Vec::as_slice)
                .unwrap_or_default();
            let got = outcome(&terms, d, c);
            let now = Outcome {
                account_id: was.account_id,
                done_count: got.done as i64,
                graduated_at: got.graduated_at,
            };
            (now != was).then_some(now)
        })
        .collect()
}
