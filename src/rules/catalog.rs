//! Course catalogue vocabularies: the ten categories (Art. 7), course sources (Art. 6) and a
//! course's lifecycle status, and the one parser of what people type for them (codes of
//! docs/commands.md in any case, or the Chinese names).

use super::credits::CourseKind;

/// A closed set of values, each with a stable code and a Chinese name.
pub trait Vocab: Copy + PartialEq + 'static {
    const VALUES: &'static [Self];
    fn code(self) -> &'static str;
    fn label(self) -> &'static str;
}

/// The value whose code (any case) or Chinese name is `given`, else a Chinese message that lists
/// the choices. Every front and every import reads these vocabularies through here.
pub fn parse<T: Vocab>(given: &str) -> Result<T, String> {
    let given = given.trim();
    T::VALUES
        .iter()
        .copied()
        .find(|&x| x.code().eq_ignore_ascii_case(given) || x.label() == given)
        .ok_or_else(|| {
            let choices: Vec<String> = T::VALUES
                .iter()
                .map(|&x| format!("{}（{}）", x.code(), x.label()))
                .collect();
            format!("无法识别“{given}”，可选：{}", choices.join("、"))
        })
}

macro_rules! vocab {
    ($t:ty) => {
        impl Vocab for $t {
            const VALUES: &'static [Self] = &<$t>::ALL;
            fn code(self) -> &'static str {
                <$t>::code(self)
            }
            fn label(self) -> &'static str {
                <$t>::label(self)
            }
        }
    };
}
vocab!(Category);
vocab!(Source);
vocab!(CourseKind);
vocab!(CourseStatus);

/// Where a course is in its life: only published courses reach learners (catalogue, playback,
/// exams); a retired one is withdrawn, and the credits already earned from it stay.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CourseStatus {
    Draft,
    Published,
    Retired,
}

impl CourseStatus {
    pub const ALL: [CourseStatus; 3] = [
        CourseStatus::Draft,
        CourseStatus::Published,
        CourseStatus::Retired,
    ];

    pub fn code(self) -> &'static str {
        match self {
            CourseStatus::Draft => "draft",
            CourseStatus::Published => "published",
            CourseStatus::Retired => "retired",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CourseStatus::Draft => "草稿",
            CourseStatus::Published => "已发布",
            CourseStatus::Retired => "已停用",
        }
    }

    /// The stored code.
    pub fn from_code(s: &str) -> Option<CourseStatus> {
        CourseStatus::ALL.into_iter().find(|c| c.code() == s)
    }
}

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
    fn one_parser_for_codes_and_names() {
        assert_eq!(parse::<Category>(" Theory "), Ok(Category::Theory));
        assert_eq!(parse::<Category>("省情市情"), Ok(Category::Local));
        assert_eq!(parse::<CourseKind>("选修"), Ok(CourseKind::Elective));
        assert_eq!(parse::<Source>("PROVINCIAL"), Ok(Source::Provincial));
        let e = parse::<Source>("省里").expect_err("unknown");
        assert!(e.contains("省里") && e.contains("local（本地特色）"), "{e}");
        assert!(parse::<Category>("").is_err());
        for s in CourseStatus::ALL {
            assert_eq!(CourseStatus::from_code(s.code()), Some(s));
        }
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
