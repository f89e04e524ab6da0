//! The states stored as text codes (accounts, staff roles, roster submissions and their rows,
//! exemption requests, special training classes): each an enum with its code in the database and its Chinese label, so no
//! layer above `store/` compares `"active"` or `"pending"` by hand.

/// A state with a stable code for machines and a Chinese label for people.
pub trait Coded: Copy {
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
}

/// An enum whose variants each have a stored code and a Chinese label.
macro_rules! coded {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => ($code:literal, $label:literal)),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database (and printed by `--format json`/csv).
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label),+
                }
            }

            /// The variant stored as `code`; None for a code this build does not know.
            pub fn from_code(code: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.code() == code)
            }
        }

        impl Coded for $name {
            fn code(self) -> &'static str {
                $name::code(self)
            }

            fn label(self) -> &'static str {
                $name::label(self)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }
    };
}

coded!(
    /// A staff role.
    RoleKind {
        Office => ("office", "市在线学习办"),
        College => ("college", "市网络学院"),
        Unit => ("unit", "单位联络员"),
    }
);

impl RoleKind {
    /// Office and college act for the whole city.
    pub fn is_city_wide(self) -> bool {
        matches!(self, RoleKind::Office | RoleKind::College)
    }
}

coded!(
    /// Whether an account may sign in.
    AccountStatus {
        Active => ("active", "正常"),
        Disabled => ("disabled", "已停用"),
    }
);

coded!(
    /// Where a roster submission is on its way. 已批准 means accounts exist and the credentials
    /// wait for the unit; 已发放 that the unit fetched them.
    SubmissionStatus {
        Submitted => ("submitted", "已提交"),
        Reviewed => ("reviewed", "已审核"),
        Approved => ("approved", "已批准"),
        Returned => ("returned", "已退回"),
        Issued => ("issued", "已发放"),
    }
);

coded!(
    /// The college's decision on one roster row.
    RowStatus {
        Pending => ("pending", "待审核"),
        Accepted => ("accepted", "通过"),
        Rejected => ("rejected", "不通过"),
    }
);

coded!(
    /// The office's decision on an exemption request.
    RequestStatus {
        Pending => ("pending", "待审批"),
        Approved => ("approved", "已批准"),
        Refused => ("refused", "不批准"),
    }
);

coded!(
    /// Where a special training class is: a draft is prepared (not shown to learners), an open
    /// class runs and its graduation follows the ledger, a closed class's result is frozen.
    ClassStatus {
        Draft => ("draft", "筹备中"),
        Open => ("open", "进行中"),
        Closed => ("closed", "已结班"),
    }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for s in AccountStatus::ALL {
            assert_eq!(AccountStatus::from_code(s.code()), Some(*s));
        }
        for s in SubmissionStatus::ALL {
            assert_eq!(SubmissionStatus::from_code(s.code()), Some(*s));
        }
        for s in RowStatus::ALL {
            assert_eq!(RowStatus::from_code(s.code()), Some(*s));
        }
        for s in RequestStatus::ALL {
            assert_eq!(RequestStatus::from_code(s.code()), Some(*s));
        }
        for s in ClassStatus::ALL {
            assert_eq!(ClassStatus::from_code(s.code()), Some(*s));
        }
        for r in RoleKind::ALL {
            assert_eq!(RoleKind::from_code(r.code()), Some(*r));
        }
        assert_eq!(AccountStatus::from_code("Active"), None);
        assert_eq!(AccountStatus::Disabled.label(), "已停用");
    }
}
