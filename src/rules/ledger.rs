//! Ledger entry kinds and the rule texts of entries that are not course awards (Art. 11).

use super::Tenths;

/// What caused a ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Course,
    Exam,
    Legacy,
    Adjustment,
    Revocation,
}

impl EntryKind {
    pub const ALL: [EntryKind; 5] = [
        EntryKind::Course,
        EntryKind::Exam,
        EntryKind::Legacy,
        EntryKind::Adjustment,
        EntryKind::Revocation,
    ];

    pub fn code(self) -> &'static str {
        match self {
            EntryKind::Course => "course",
            EntryKind::Exam => "exam",
            EntryKind::Legacy => "legacy",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Revocation => "revocation",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            EntryKind::Course => "课程",
            EntryKind::Exam => "考试",
            EntryKind::Legacy => "原学习网记录",
            EntryKind::Adjustment => "调整",
            EntryKind::Revocation => "撤销",
        }
    }

    pub fn from_code(s: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Entries that can be revoked: everything but a revocation itself.
    pub fn is_revocable(self) -> bool {
        self != EntryKind::Revocation
    }
}

/// The idempotency key of an award: a learner gets each of these at most once.
pub fn award_key(kind: EntryKind, reference_id: i64) -> String {
    match kind {
        EntryKind::Course => format!("course:{reference_id}"),
        EntryKind::Exam => format!("exam:{reference_id}"),
        EntryKind::Legacy => format!("legacy:{reference_id}"),
        EntryKind::Adjustment => format!("adjustment:{reference_id}"),
        EntryKind::Revocation => format!("revoke:{reference_id}"),
    }
}

/// The award key of a course's completion after `revoked` earlier completions of it were revoked:
/// the first is `course:<id>`, later ones `course:<id>:<n>`.
pub fn course_award_key(course_id: i64, revoked: i64) -> String {
    match revoked {
        0 => award_key(EntryKind::Course, course_id),
        n => format!("{}:{n}", award_key(EntryKind::Course, course_id)),
    }
}

pub fn revocation_rule(entry_id: i64, tenths: Tenths) -> String {
    format!("撤销第 {entry_id} 条记录 {}", -tenths)
}

pub fn adjustment_rule(tenths: Tenths) -> String {
    let sign = if tenths.0 >= 0 { "+" } else { "" };
    format!("人工调整 {sign}{tenths}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in EntryKind::ALL {
            assert_eq!(EntryKind::from_code(k.code()), Some(k));
        }
        assert_eq!(EntryKind::from_code("bogus"), None);
    }

    #[test]
    fn rule_texts() {
        assert_eq!(revocation_rule(12, Tenths(15)), "撤销第 12 条记录 -1.5");
        assert_eq!(adjustment_rule(Tenths(20)), "人工调整 +2.0");
        assert_eq!(adjustment_rule(Tenths(-5)), "人工调整 -0.5");
        assert_eq!(award_key(EntryKind::Course, 7), "course:7");
        assert_eq!(course_award_key(7, 0), "course:7");
        assert_eq!(course_award_key(7, 2), "course:7:2");
    }
}
