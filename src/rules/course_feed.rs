//! A course as staff give it (`course add/edit`) and the course feed (`course import`): the
//! provincial feed and local lists as CSV (课程编号, 课程名称, 类别, 类型, 来源, 时长（秒）, 指定学分;
//! UTF-8 or GBK; an xlsx sheet with the same header is read too) or a JSON array of objects with
//! the keys `code`, `title`, `category`, `kind`, `source`, `duration_s`, `designated_credits`.
//! Every field is bounded here, once. Pure: bytes in, checked courses or row errors out.

use serde::Deserialize;
use serde::de::DeserializeSeed;

use super::Tenths;
use super::catalog::{Category, Source, parse};
use super::credits::CourseKind;
use super::exam::{BoundedItems, RowError, too_large};
use super::limits::{COURSE_FEED, COURSE_FEED_BYTES};
use super::sheet::{self, FileFormat, SheetCell};

/// The longest course code, in characters (letters, digits, `-`, `_`, `.`).
pub const MAX_CODE: usize = 32;
/// The longest course title, in characters.
pub const MAX_TITLE: usize = 100;
/// The longest lecture, in seconds (24 hours).
pub const MAX_DURATION_S: i64 = 86_400;
/// The most credits a course may be designated (a whole year's target).
pub const MAX_DESIGNATED: Tenths = Tenths(400);

/// A checked course, as added, edited or imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseDraft {
    pub code: String,
    pub title: String,
    pub category: Category,
    pub kind: CourseKind,
    pub source: Source,
    pub duration_s: i64,
    pub designated: Option<Tenths>,
}

/// A course code: 1–32 letters, digits, `-`, `_` or `.`, trimmed.
pub fn check_code(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("课程编号不能为空".into());
    }
    if s.chars().count() > MAX_CODE {
        return Err(format!("课程编号过长（最多 {MAX_CODE} 个字符）"));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(format!(
            "课程编号“{}”只能由字母、数字和 - _ . 组成",
            super::text::escape(s)
        ));
    }
    Ok(s.to_string())
}

/// A course title: 1–100 characters of free text.
pub fn check_title(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("课程名称不能为空".into());
    }
    super::text::check(s, MAX_TITLE).map_err(|e| format!("课程名称{e}"))?;
    Ok(s.to_string())
}

/// Lecture seconds: 1 to 86,400.
pub fn check_duration(s: i64) -> Result<i64, String> {
    if (1..=MAX_DURATION_S).contains(&s) {
        Ok(s)
    } else {
        Err(format!(
            "时长 {s} 秒超出范围（应在 1 到 {MAX_DURATION_S} 秒之间）"
        ))
    }
}

/// Lecture seconds as typed: a whole number of seconds, or minutes and seconds as
/// `format_duration` writes them ("67分30秒", "67分钟", "67分", "45秒").
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let n = seconds_of(s).ok_or_else(|| {
        format!(
            "时长“{}”应为整数秒或“67分30秒”的形式",
            super::text::escape(s)
        )
    })?;
    check_duration(n)
}

fn seconds_of(s: &str) -> Option<i64> {
    if let Ok(n) = s.parse::<i64>() {
        return Some(n);
    }
    let number = |t: &str| -> Option<i64> {
        let t = t.trim();
        (!t.is_empty() && t.len() <= 6 && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (min, rest) = match s.split_once('分') {
        Some((m, rest)) => (number(m)?, rest.strip_prefix('钟').unwrap_or(rest)),
        None => (0, s),
    };
    let sec = match rest.trim() {
        "" if s.contains('分') => 0,
        r => number(r.strip_suffix('秒')?)?,
    };
    Some(min * 60 + sec)
}

/// Designated credits as typed ("1.5"): 0 to 40.0, at most one decimal.
pub fn parse_designated(s: &str) -> Result<Tenths, String> {
    let t = Tenths::parse(s).map_err(|_| {
        format!(
            "指定学分“{}”应为最多一位小数的数字",
            super::text::escape(s.trim())
        )
    })?;
    if t.0 < 0 || t > MAX_DESIGNATED {
        return Err(format!(
            "指定学分 {t} 超出范围（应在 0 到 {MAX_DESIGNATED} 之间）"
        ));
    }
    Ok(t)
}

/// One course's fields as text, as a file row or a command gives them.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCourse<'a> {
    pub code: &'a str,
    pub title: &'a str,
    pub category: &'a str,
    pub kind: &'a str,
    pub source: &'a str,
    pub duration_s: &'a str,
    /// Empty: none.
    pub designated: &'a str,
}

/// Checks every field, naming the first bad one.
pub fn check_course(r: &RawCourse<'_>) -> Result<CourseDraft, String> {
    let named = |field: &str, e: String| format!("{field}：{e}");
    Ok(CourseDraft {
        code: check_code(r.code)?,
        title: check_title(r.title)?,
        category: parse(r.category).map_err(|e| named("类别", e))?,
        kind: parse(r.kind).map_err(|e| named("类型", e))?,
        source: parse(r.source).map_err(|e| named("来源", e))?,
        duration_s: parse_duration(r.duration_s)?,
        designated: match r.designated.trim() {
            "" => None,
            d => Some(parse_designated(d)?),
        },
    })
}

/// A course of the feed with the row it came from (CSV: the line, header = 1; JSON: the item, from 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRow {
    pub row: usize,
    pub course: CourseDraft,
}

/// The CSV header, in this order in the template; files may order the columns as they like, and
/// 指定学分 may be left out.
pub const HEADER: [&str; 7] = [
    "课程编号",
    "课程名称",
    "类别",
    "类型",
    "来源",
    "时长（秒）",
    "指定学分",
];

/// Reads a feed: JSON when its text starts with `[`, else a table. Refused whole past
/// `COURSE_FEED_BYTES` before anything is parsed; every bad row is reported, and a code given
/// twice is an error of the later row. No partial result.
pub fn parse_feed(bytes: &[u8]) -> Result<Vec<FeedRow>, Vec<RowError>> {
    let whole = |message: String| {
        vec![RowError {
            row: 1,
            unit: "行",
            message,
        }]
    };
    if bytes.len() > COURSE_FEED_BYTES {
        return Err(whole(format!(
            "文件超过 {} MB 的上限，未读取",
            COURSE_FEED_BYTES / 1024 / 1024
        )));
    }
    let format = FileFormat::detect(bytes);
    let (rows, unit) = if format == FileFormat::Csv {
        let text = sheet::decode_text(bytes).map_err(|e| whole(e.to_string()))?;
        if text.trim_start().starts_with('[') {
            (parse_json(&text)?, "项")
        } else {
            (parse_table(bytes, format)?, "行")
        }
    } else {
        (parse_table(bytes, format)?, "行")
    };
    if rows.is_empty() {
        return Err(whole("文件中没有课程".into()));
    }
    let mut seen = std::collections::HashMap::new();
    let errors: Vec<RowError> = rows
        .iter()
        .filter_map(|r| {
            let first = *seen.entry(r.course.code.as_str()).or_insert(r.row);
            (first != r.row).then(|| RowError {
                row: r.row,
                unit,
                message: format!("课程编号 {} 与第 {first} {unit}重复", r.course.code),
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(rows)
    } else {
        Err(errors)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonCourse {
    code: String,
    title: String,
    category: String,
    kind: String,
    source: String,
    duration_s: i64,
    #[serde(default)]
    designated_credits: Option<serde_json::Number>,
}

fn parse_json(text: &str) -> Result<Vec<FeedRow>, Vec<RowError>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let items = BoundedItems {
        limit: COURSE_FEED.rows,
        what: "课程",
        counter: "门",
    }
    .deserialize(&mut de)
    .and_then(|items| de.end().map(|()| items))
    .map_err(|e| {
        vec![RowError {
            row: e.line(),
            unit: "行",
            message: format!("JSON 格式有误：{e}"),
        }]
    })?;
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let parsed = serde_json::from_value::<JsonCourse>(item)
            .map_err(|e| {
                format!(
                    "字段有误：{e}（应有 code、title、category、kind、source、duration_s，可有 designated_credits）"
                )
            })
            .and_then(|c| {
                let duration = c.duration_s.to_string();
                let designated = c
                    .designated_credits
                    .map(|n| n.to_string())
                    .unwrap_or_default();
                check_course(&RawCourse {
                    code: &c.code,
                    title: &c.title,
                    category: &c.category,
                    kind: &c.kind,
                    source: &c.source,
                    duration_s: &duration,
                    designated: &designated,
                })
            });
        match parsed {
            Ok(course) => out.push(FeedRow { row: i + 1, course }),
            Err(message) => errors.push(RowError {
                row: i + 1,
                unit: "项",
                message,
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A header name as written, with ASCII parentheses accepted for 时长（秒）.
fn header_name(cell: &SheetCell) -> String {
    match cell {
        SheetCell::Text(s) => s.trim().replace('(', "（").replace(')', "）"),
        _ => String::new(),
    }
}

/// A cell as text; a spreadsheet's whole numbers lose their ".0".
fn cell_text(cell: Option<&SheetCell>) -> String {
    match cell {
        Some(SheetCell::Text(s)) => s.clone(),
        Some(SheetCell::Number(n)) if n.fract() == 0.0 && n.abs() < 1e15 => {
            format!("{}", *n as i64)
        }
        Some(SheetCell::Number(n)) => n.to_string(),
        Some(SheetCell::Empty) | None => String::new(),
    }
}

fn parse_table(bytes: &[u8], format: FileFormat) -> Result<Vec<FeedRow>, Vec<RowError>> {
    let grid = sheet::read(bytes, format, &COURSE_FEED).map_err(too_large)?;
    let Some(header) = grid.first() else {
        return Err(vec![RowError {
            row: 1,
            unit: "行",
            message: "文件为空".into(),
        }]);
    };
    let names: Vec<String> = header.iter().map(header_name).collect();
    let mut at = [None; 7];
    for (slot, want) in at.iter_mut().zip(HEADER) {
        *slot = names.iter().position(|n| n == want);
    }
    let missing: Vec<&str> = HEADER
        .iter()
        .zip(&at)
        .take(6)
        .filter(|(_, a)| a.is_none())
        .map(|(h, _)| *h)
        .collect();
    if !missing.is_empty() {
        return Err(vec![RowError {
            row: 1,
            unit: "行",
            message: format!(
                "表头缺少 {}（应为：{}）",
                missing.join("、"),
                HEADER.join(",")
            ),
        }]);
    }
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, cells) in grid.iter().enumerate().skip(1) {
        if cells.iter().all(SheetCell::is_blank) {
            continue;
        }
        let get = |k: usize| at[k].map(|c| cell_text(cells.get(c))).unwrap_or_default();
        let fields: Vec<String> = (0..7).map(get).collect();
        let raw = RawCourse {
            code: &fields[0],
            title: &fields[1],
            category: &fields[2],
            kind: &fields[3],
            source: &fields[4],
            duration_s: &fields[5],
            designated: &fields[6],
        };
        match check_course(&raw) {
            Ok(course) => out.push(FeedRow { row: i + 1, course }),
            Err(message) => errors.push(RowError {
                row: i + 1,
                unit: "行",
                message,
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// A feed as CSV text (the header, then one row per course), for the template and for callers
/// that build a feed themselves (the demo).
pub fn to_csv(courses: &[CourseDraft]) -> String {
    let mut out = HEADER.join(",");
    out.push('\n');
    for c in courses {
        let designated = c.designated.map(|d| d.to_string()).unwrap_or_default();
        let row = [
            c.code.as_str(),
            c.title.as_str(),
            c.category.label(),
            c.kind.label(),
            c.source.label(),
            &c.duration_s.to_string(),
            &designated,
        ];
        let quoted: Vec<String> = row
            .iter()
            .map(|f| {
                if f.contains([',', '"']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    (*f).to_string()
                }
            })
            .collect();
        out.push_str(&quoted.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {

    #[test]
    fn durations_as_seconds_or_minutes_and_seconds() {
        for (typed, seconds) in [
            ("4050", Some(4050)),
            ("67分30秒", Some(4050)),
            (" 67分钟 ", Some(4020)),
            ("67分", Some(4020)),
            ("45秒", Some(45)),
            ("1分05秒", Some(65)),
            ("分", None),
            ("67分30", None),
            ("-3分", None),
            ("秒", None),
            ("1.5分", None),
            ("abc", None),
        ] {
            assert_eq!(parse_duration(typed).ok(), seconds, "{typed}");
        }
        assert!(parse_duration("0秒").is_err(), "bounds still apply");
        assert!(parse_duration("1441分").is_err(), "over 24 hours");
    }
    use super::*;

    const CSV: &str = "课程编号,课程名称,类别,类型,来源,时长（秒）,指定学分\n\
                       HN001,习近平新时代中国特色社会主义思想概论,基本理论,必修,省级推送,4050,\n\
                       LD002,\"娄底市情, 第二讲\",local,elective,local,2700,1.5\n";

    #[test]
    fn csv_in_utf8_and_gbk() {
        let rows = parse_feed(CSV.as_bytes()).expect("utf-8");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 2);
        assert_eq!(rows[0].course.kind, CourseKind::Required);
        assert_eq!(rows[0].course.duration_s, 4050);
        assert_eq!(rows[1].course.title, "娄底市情, 第二讲");
        assert_eq!(rows[1].course.designated, Some(Tenths(15)));
        let (gbk, _, _) = encoding_rs::GBK.encode(CSV);
        assert_eq!(parse_feed(&gbk).expect("gbk"), rows);
        let round = to_csv(&rows.iter().map(|r| r.course.clone()).collect::<Vec<_>>());
        assert_eq!(parse_feed(round.as_bytes()).expect("round trip"), rows);
    }

    #[test]
    fn json_with_its_keys_only() {
        let json = r#"[{"code":"A1","title":"t","category":"theory","kind":"必修","source":"local","duration_s":60,"designated_credits":1.5},
                      {"code":"A2","title":"t","category":"policy","kind":"elective","source":"provincial","duration_s":2700}]"#;
        let rows = parse_feed(json.as_bytes()).expect("json");
        assert_eq!(rows[0].course.designated, Some(Tenths(15)));
        assert_eq!(rows[1].course.designated, None);
        let unknown = r#"[{"code":"A1","title":"t","category":"theory","kind":"必修","source":"local","duration_s":60,"extra":1}]"#;
        let e = parse_feed(unknown.as_bytes()).expect_err("unknown field");
        assert!(e[0].message.contains("extra"), "{}", e[0].message);
        let bad = parse_feed(b"[{\"code\": ").expect_err("bad json");
        assert!(bad[0].message.contains("JSON"), "{}", bad[0].message);
    }

    #[test]
    fn every_bad_row_is_named() {
        let csv = "课程编号,课程名称,类别,类型,来源,时长（秒）\n\
                   A1,t,哲学,必修,local,60\n\
                   A2,t,theory,必修,local,0\n\
                   A3,,theory,必修,local,60\n\
                   A1,t,theory,必修,local,60\n\
                   A 5,t,theory,必修,local,60\n";
        let e = parse_feed(csv.as_bytes()).expect_err("bad rows");
        let rows: Vec<usize> = e.iter().map(|r| r.row).collect();
        assert_eq!(rows, [2, 3, 4, 6], "{e:?}");
        assert!(e[0].message.contains("类别") && e[0].message.contains("哲学"));
        let dup = "课程编号,课程名称,类别,类型,来源,时长（秒）\nA1,t,theory,必修,local,60\nA1,t,theory,必修,local,60\n";
        let e = parse_feed(dup.as_bytes()).expect_err("duplicate");
        assert_eq!(e[0].row, 3);
        let e = parse_feed("课程编号,课程名称\nA1,t\n".as_bytes()).expect_err("header");
        assert!(e[0].message.contains("类别"), "{}", e[0].message);
    }

    #[test]
    fn bounds() {
        assert!(check_code(&"A".repeat(33)).is_err());
        assert!(check_title(&"课".repeat(101)).is_err());
        assert!(check_title("a\u{1b}b").is_err());
        assert!(parse_duration("86401").is_err());
        assert!(parse_designated("40.1").is_err());
        assert!(parse_designated("-1").is_err());
        assert!(parse_designated("1.25").is_err());
        let huge = vec![b' '; COURSE_FEED_BYTES + 1];
        assert!(parse_feed(&huge).is_err());
    }
}
