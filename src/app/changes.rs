//! What changed, as a topic: `app/` announces a topic after a write commits, and every open staff
//! screen that shows data of that topic reloads. The hub that carries topics within one node and
//! across nodes (PostgreSQL `LISTEN/NOTIFY`) lives here too.

/// A kind of data that a write changed. Screens name the topics they show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// Roster submissions: submitted, decided, passed on, approved, sent back.
    Rosters,
    /// Accounts: created, disabled, enabled, unlocked, moved, exempted, roles and keys.
    Accounts,
    /// Credits: ledger entries appended or revoked, standings moved.
    Ledger,
    /// The course catalogue and exams.
    Catalog,
    /// The unit tree.
    Units,
    /// Exemption requests and population changes.
    Population,
    /// Fraud flags.
    Flags,
    /// Year settings.
    Settings,
}

impl Topic {
    pub const ALL: [Topic; 8] = [
        Topic::Rosters,
        Topic::Accounts,
        Topic::Ledger,
        Topic::Catalog,
        Topic::Units,
        Topic::Population,
        Topic::Flags,
        Topic::Settings,
    ];

    /// The topic's name on the wire (the payload of a PostgreSQL notification).
    pub fn code(self) -> &'static str {
        match self {
            Topic::Rosters => "rosters",
            Topic::Accounts => "accounts",
            Topic::Ledger => "ledger",
            Topic::Catalog => "catalog",
            Topic::Units => "units",
            Topic::Population => "population",
            Topic::Flags => "flags",
            Topic::Settings => "settings",
        }
    }

    pub fn from_code(code: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for t in Topic::ALL {
            assert_eq!(Topic::from_code(t.code()), Some(t));
        }
        assert_eq!(Topic::from_code("nothing"), None);
    }
}
