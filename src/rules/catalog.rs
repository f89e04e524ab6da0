//! Course catalogue vocabularies: the ten categories (Art. 7) and course sources (Art. 6).

/// Course category (Art. 7), in the order the measures list them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    Theory,
    Policy,
    Economy,
    Politics,
    Culture,
    Society,
    Party,
    Local,
    Growth,
    Topics,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::Theory,
        Category::Policy,
        Category::Economy,
        Category::Politics,
        Category::Culture,
        Category::Society,
        Category::Party,
        Category::Local,
        Category::Growth,
        Category::Topics,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Category::Theory => "theory",
            Category::Policy => "policy",
            Category::Economy => "economy",
            Category::Politics => "politics",
            Category::Culture => "culture",
            Category::Society => "society",
            Category::Party => "party",
            Category::Local => "local",
            Category::Growth => "growth",
            Category::Topics => "topics",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Category::Theory => "基本理论",
            Category::Policy => "政策法规",
            Category::Economy => "经济建设",
            Category::Politics => "政治建设",
            Category::Culture => "文化建设",
            Category::Society => "社会建设",
            Category::Party => "党的建设",
            Category::Local => "省情市情",
            Category::Growth => "干部成长",
            Category::Topics => "专题荟萃",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn from_code(s: &str) -> Option<Category> {
        let s = s.trim();
        Category::ALL
            .into_iter()
            .find(|c| c.code() == s || c.label() == s)
    }
}

/// Where a course comes from (Art. 6): the provincial feed or the city's own courses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    Provincial,
    Local,
}

impl Source {
    pub const ALL: [Source; 2] = [Source::Provincial, Source::Local];

    pub fn code(self) -> &'static str {
        match self {
            Source::Provincial => "provincial",
            Source::Local => "local",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Source::Provincial => "省级推送",
            Source::Local => "本地特色",
        }
    }

    /// Accepts the code or the Chinese label.
    pub fn from_code(s: &str) -> Option<Source> {
        let s = s.trim();
        Source::ALL
            .into_iter()
            .find(|c| c.code() == s || c.label() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn categories_in_order() {
        let labels: Vec<_> = Category::ALL.iter().map(|c| c.label()).collect();
        assert_eq!(
            labels,
            [
                "基本理论",
                "政策法规",
                "经济建设",
                "政治建设",
                "文化建设",
                "社会建设",
                "党的建设",
                "省情市情",
                "干部成长",
                "专题荟萃"
            ]
        );
        let codes: Vec<_> = Category::ALL.iter().map(|c| c.code()).collect();
        assert_eq!(
            codes,
            [
                "theory", "policy", "economy", "politics", "culture", "society", "party", "local",
                "growth", "topics"
            ]
        );
    }

    #[test]
    fn category_codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(c));
            assert_eq!(Category::from_code(c.label()), Some(c));
        }
        assert_eq!(
            Category::ALL
                .iter()
                .map(|c| c.code())
                .collect::<HashSet<_>>()
                .len(),
            10
        );
        assert_eq!(Category::from_code("省情市情"), Some(Category::Local));
        assert_eq!(Category::from_code("Theory"), None);
        assert_eq!(Category::from_code(""), None);
    }

    #[test]
    fn sources() {
        for s in Source::ALL {
            assert_eq!(Source::from_code(s.code()), Some(s));
            assert_eq!(Source::from_code(s.label()), Some(s));
        }
        assert_eq!(Source::from_code("local"), Some(Source::Local));
        assert_eq!(Source::from_code("省级推送"), Some(Source::Provincial));
        assert_eq!(Source::from_code("province"), None);
    }
}
