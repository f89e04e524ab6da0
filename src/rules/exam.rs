//! Exams (Art. 10): question kinds, answer keys, grading, and the question-bank file format
//! (`exam import`, docs/exams.md). Pure: no I/O.

use serde::Deserialize;
use serde::de::{DeserializeSeed, Error as _, SeqAccess, Visitor};

use super::limits::EXAM_BANK;
use super::sheet::{SheetError, check_csv_size, check_width};

/// Options a question may have at most (A–H).
pub const MAX_OPTIONS: usize = 8;
/// The longest line of a stem, and the longest option, in characters.
const MAX_TEXT: usize = 2000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
}

impl QuestionKind {
    pub const ALL: [QuestionKind; 3] = [
        QuestionKind::Single,
        QuestionKind::Multiple,
        QuestionKind::TrueFalse,
    ];

    pub fn code(self) -> &'static str {
        match self {
            QuestionKind::Single => "single",
            QuestionKind::Multiple => "multiple",
            QuestionKind::TrueFalse => "truefalse",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            QuestionKind::Single => "单选",
            QuestionKind::Multiple => "多选",
            QuestionKind::TrueFalse => "判断",
        }
    }

    /// The code or the Chinese label.
    pub fn from_code(s: &str) -> Option<QuestionKind> {
        let s = s.trim();
        QuestionKind::ALL
            .into_iter()
            .find(|k| k.code() == s || k.label() == s)
    }
}

/// The options shown for a true/false question: index 0 = 对, 1 = 错.
pub const TRUE_FALSE_OPTIONS: [&str; 2] = ["对", "错"];

/// The stored answer key as option indexes: letters `A..` for choices, `T`/`F` for true/false.
pub fn key_indexes(kind: QuestionKind, key: &str) -> Option<Vec<usize>> {
    let key = key.trim();
    if kind == QuestionKind::TrueFalse {
        return match key {
            "T" => Some(vec![0]),
            "F" => Some(vec![1]),
            _ => None,
        };
    }
    let mut out: Vec<usize> = Vec::new();
    for c in key.chars() {
        let c = c.to_ascii_uppercase();
        if !c.is_ascii_uppercase() {
            return None;
        }
        out.push(usize::from(c as u8 - b'A'));
    }
    out.sort_unstable();
    out.dedup();
    (!out.is_empty()).then_some(out)
}

/// Whether the chosen option indexes are exactly the key (order and repeats do not matter).
pub fn is_correct(kind: QuestionKind, key: &str, chosen: &[usize]) -> bool {
    let Some(key) = key_indexes(kind, key) else {
        return false;
    };
    let mut chosen = chosen.to_vec();
    chosen.sort_unstable();
    chosen.dedup();
    chosen == key
}

/// Score in whole percent, rounded down (so a pass is never granted by rounding up).
pub fn score_percent(correct: i64, total: i64) -> i64 {
    if total <= 0 {
        0
    } else {
        correct.clamp(0, total) * 100 / total
    }
}

/// What a new exam gets where its bank file's settings (or the demo) say nothing else: the one
/// place these numbers live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Defaults {
    /// Questions drawn per attempt.
    pub questions: i64,
    pub pass_percent: i64,
    pub attempts: i64,
    /// Credit for passing, in tenths.
    pub bonus: super::Tenths,
}

impl Defaults {
    pub const STANDARD: Defaults = Defaults {
        questions: 5,
        pass_percent: 60,
        attempts: 3,
        bonus: super::Tenths(10),
    };
}

/// Bounds of an exam's settings, checked where `exam import` flags and the 课程 form give them.
pub const PASS_PERCENT: (i64, i64) = (0, 100);
pub const ATTEMPTS: (i64, i64) = (1, 100);
/// The most bonus credits an exam may give (a designated course credit is bounded the same way).
pub const MAX_BONUS: super::Tenths = super::course_feed::MAX_DESIGNATED;

/// A field of exam settings as typed: a whole number (its range is `check_setting`'s).
pub fn parse_whole(text: &str) -> Result<i64, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("不能为空".into());
    }
    t.parse()
        .map_err(|_| format!("“{}”不是整数", super::text::escape(t)))
}

/// `v` within `min..=max`, or why not.
pub fn check_setting(v: i64, min: i64, max: i64) -> Result<i64, String> {
    if v < min || v > max {
        return Err(format!("{v} 超出范围（应在 {min} 到 {max} 之间）"));
    }
    Ok(v)
}

/// An exam's bonus credits as typed: at most one decimal (its range is `check_bonus`'s).
pub fn parse_bonus(text: &str) -> Result<super::Tenths, String> {
    if text.trim().is_empty() {
        return Err("不能为空".into());
    }
    super::Tenths::parse(text).map_err(|_| {
        format!(
            "奖励学分“{}”应为最多一位小数的数字",
            super::text::escape(text.trim())
        )
    })
}

/// Bonus credits within 0 to `MAX_BONUS`, or why not.
pub fn check_bonus(t: super::Tenths) -> Result<super::Tenths, String> {
    if t.0 < 0 || t > MAX_BONUS {
        return Err(format!(
            "奖励学分 {t} 超出范围（应在 0 到 {MAX_BONUS} 之间）"
        ));
    }
    Ok(t)
}

/// The title an exam gets from its course.
pub fn exam_title(course_title: &str) -> String {
    format!("《{course_title}》结业测试")
}

pub fn is_pass(score_percent: i64, pass_percent: i64) -> bool {
    score_percent >= pass_percent
}

/// Seconds after the deadline an answer sheet is still accepted: a slow network, or the page's
/// automatic hand-in at zero, must not cost the learner the attempt.
pub const SUBMIT_GRACE_S: i64 = 60;

/// When an attempt's answers are due (the time the learner is shown).
pub fn deadline(started_at: i64, time_limit_s: i64) -> i64 {
    started_at.saturating_add(time_limit_s.max(0))
}

/// Whether answers handed in at `at` are graded: by the deadline plus [`SUBMIT_GRACE_S`].
/// Later answers are not graded and the attempt counts as timed out.
pub fn in_time(deadline: i64, at: i64) -> bool {
    at <= deadline.saturating_add(SUBMIT_GRACE_S)
}

/// A question as imported, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankQuestion {
    pub kind: QuestionKind,
    pub stem: String,
    /// Stored one per line; true/false questions store 对 / 错.
    pub options: Vec<String>,
    /// The stored key: letters, or `T` / `F`.
    pub answer: String,
}

/// A problem with one row of a bank file (row numbers as the user sees them: the header is
/// row 1 in CSV; the first question is 1 in JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub row: usize,
    /// 行 (CSV line) or 题 (JSON item).
    pub unit: &'static str,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} {}：{}", self.row, self.unit, self.message)
    }
}

/// Checks one question's fields. `options` are the non-empty options in order.
pub fn check_question(
    kind: &str,
    stem: &str,
    options: &[String],
    answer: &str,
) -> Result<BankQuestion, String> {
    let kind = QuestionKind::from_code(kind)
        .ok_or_else(|| format!("题型“{}”无效（应为 单选、多选 或 判断）", kind.trim()))?;
    let stem = stem.trim();
    if stem.is_empty() {
        return Err("题干不能为空".into());
    }
    let options: Vec<String> = options
        .iter()
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty())
        .collect();
    if options.iter().any(|o| o.contains('\n')) {
        return Err("选项不能含换行".into());
    }
    // A stem may run over several lines; nothing else a terminal obeys is kept.
    for line in stem.lines() {
        super::text::check(line, MAX_TEXT).map_err(|e| format!("题干{e}"))?;
    }
    for o in &options {
        super::text::check(o, MAX_TEXT).map_err(|e| format!("选项{e}"))?;
    }
    let answer = answer.trim();
    match kind {
        QuestionKind::TrueFalse => {
            if !options.is_empty() {
                return Err("判断题不填选项（固定为 对 / 错）".into());
            }
            let key = match answer {
                "对" | "正确" | "T" | "t" | "√" => "T",
                "错" | "错误" | "F" | "f" | "×" => "F",
                _ => return Err(format!("判断题答案“{answer}”无效（应为 对 或 错）")),
            };
            Ok(BankQuestion {
                kind,
                stem: stem.into(),
                options: TRUE_FALSE_OPTIONS.iter().map(|s| s.to_string()).collect(),
                answer: key.into(),
            })
        }
        QuestionKind::Single | QuestionKind::Multiple => {
            if options.len() < 2 || options.len() > MAX_OPTIONS {
                return Err(format!(
                    "选择题应有 2 到 {MAX_OPTIONS} 个选项，实有 {} 个",
                    options.len()
                ));
            }
            let idx = key_indexes(kind, answer)
                .ok_or_else(|| format!("答案“{answer}”无效（应为选项字母，如 A 或 AC）"))?;
            if let Some(&bad) = idx.iter().find(|&&i| i >= options.len()) {
                return Err(format!(
                    "答案含选项 {}，但只有 {} 个选项",
                    char::from(b'A' + bad as u8),
                    options.len()
                ));
            }
            if kind == QuestionKind::Single && idx.len() != 1 {
                return Err(format!("单选题只能有一个答案，实为“{answer}”"));
            }
            if kind == QuestionKind::Multiple && idx.len() < 2 {
                return Err(format!("多选题至少有两个答案，实为“{answer}”"));
            }
            let key: String = idx.iter().map(|&i| char::from(b'A' + i as u8)).collect();
            Ok(BankQuestion {
                kind,
                stem: stem.into(),
                options,
                answer: key,
            })
        }
    }
}

/// Parses a bank: JSON when the text starts with `[`, else CSV with a header row
/// `题型,题干,选项A,…,答案` (any number of option columns between 题干 and 答案).
/// Every bad row is reported; no partial result.
pub fn parse_bank(text: &str) -> Result<Vec<BankQuestion>, Vec<RowError>> {
    let text = text.trim_start_matches('\u{feff}');
    let questions = if text.trim_start().starts_with('[') {
        parse_json(text)?
    } else {
        parse_csv(text)?
    };
    if questions.is_empty() {
        return Err(vec![RowError {
            row: 1,
            unit: "行",
            message: "题库中没有题目".into(),
        }]);
    }
    Ok(questions)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonQuestion {
    kind: String,
    stem: String,
    #[serde(default)]
    options: Vec<String>,
    answer: String,
}

fn parse_json(text: &str) -> Result<Vec<BankQuestion>, Vec<RowError>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let items = BoundedItems {
        limit: EXAM_BANK.rows,
        what: "题目",
        counter: "道",
    }
    .deserialize(&mut de)
    .and_then(|items| de.end().map(|()| items));
    let items = items.map_err(|e| {
        vec![RowError {
            row: e.line(),
            unit: "行",
            message: format!("JSON 格式有误：{e}"),
        }]
    })?;
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let row = i + 1;
        let parsed = serde_json::from_value::<JsonQuestion>(item)
            .map_err(|e| format!("字段有误：{e}（应有 kind、stem、options、answer）"))
            .and_then(|q| check_question(&q.kind, &q.stem, &q.options, &q.answer));
        match parsed {
            Ok(q) => out.push(q),
            Err(message) => errors.push(RowError {
                row,
                unit: "题",
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

/// A JSON array read item by item, refused past `limit` items before more are kept
/// ("题目超过 10000 道的上限"). Also reads the course feed (`rules::course_feed`).
pub(crate) struct BoundedItems {
    pub limit: usize,
    pub what: &'static str,
    pub counter: &'static str,
}

impl<'de> DeserializeSeed<'de> for BoundedItems {
    type Value = Vec<serde_json::Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for BoundedItems {
    type Value = Vec<serde_json::Value>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "an array of {}", self.what)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            if items.len() == self.limit {
                let (what, limit, counter) = (self.what, self.limit, self.counter);
                return Err(A::Error::custom(format!(
                    "{what}超过 {limit} {counter}的上限"
                )));
            }
            items.push(item);
        }
        Ok(items)
    }
}

/// A file too large to read, said at the row where the limit was passed (question banks and the
/// course feed).
pub(crate) fn too_large(e: SheetError) -> Vec<RowError> {
    let row = match e {
        SheetError::TooManyRows { limit } => limit + 1,
        SheetError::TooManyColumns { row, .. } => row,
        _ => 1,
    };
    vec![RowError {
        row,
        unit: "行",
        message: e.to_string(),
    }]
}

fn parse_csv(text: &str) -> Result<Vec<BankQuestion>, Vec<RowError>> {
    check_csv_size(text, &EXAM_BANK).map_err(too_large)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => {
            return Err(vec![RowError {
                row: 1,
                unit: "行",
                message: format!("表头无法读取：{e}"),
            }]);
        }
        None => {
            return Err(vec![RowError {
                row: 1,
                unit: "行",
                message: "文件为空".into(),
            }]);
        }
    };
    check_width(1, header.len(), &EXAM_BANK).map_err(too_large)?;
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    let expected = "表头应为：题型,题干,选项A,选项B,…,答案";
    if names.len() < 3
        || names[0] != "题型"
        || names[1] != "题干"
        || names[names.len() - 1] != "答案"
    {
        return Err(vec![RowError {
            row: 1,
            unit: "行",
            message: expected.into(),
        }]);
    }
    let width = names.len();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, record) in records.enumerate() {
        let row = i + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(RowError {
                    row,
                    unit: "行",
                    message: format!("无法读取：{e}"),
                });
                continue;
            }
        };
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if record.len() != width {
            errors.push(RowError {
                row,
                unit: "行",
                message: format!("应有 {width} 列，实有 {} 列", record.len()),
            });
            continue;
        }
        let options: Vec<String> = (2..width - 1).map(|c| record[c].to_string()).collect();
        match check_question(&record[0], &record[1], &options, &record[width - 1]) {
            Ok(q) => out.push(q),
            Err(message) => errors.push(RowError {
                row,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_count_until_the_deadline_plus_the_grace() {
        let due = deadline(1_000, 1_800);
        assert_eq!(due, 2_800);
        assert!(in_time(due, 1_000));
        assert!(in_time(due, due + SUBMIT_GRACE_S));
        assert!(!in_time(due, due + SUBMIT_GRACE_S + 1));
        assert_eq!(deadline(i64::MAX - 1, 1_800), i64::MAX);
        assert!(in_time(i64::MAX, i64::MAX));
    }

    #[test]
    fn grading_is_exact_set_match() {
        use QuestionKind::*;
        let cases: [(QuestionKind, &str, &[usize], bool); 9] = [
            (Single, "C", &[2], true),
            (Single, "C", &[1], false),
            (Single, "C", &[], false),
            (Multiple, "AC", &[2, 0], true),
            (Multiple, "AC", &[0, 0, 2], true),
            (Multiple, "AC", &[0], false),
            (Multiple, "AC", &[0, 1, 2], false),
            (TrueFalse, "T", &[0], true),
            (TrueFalse, "F", &[0], false),
        ];
        for (kind, key, chosen, want) in cases {
            assert_eq!(
                is_correct(kind, key, chosen),
                want,
                "{kind:?} {key} {chosen:?}"
            );
        }
        assert!(!is_correct(Single, "?", &[0]));
    }

    #[test]
    fn score_rounds_down_and_passes_at_the_mark() {
        assert_eq!(score_percent(2, 3), 66);
        assert_eq!(score_percent(3, 5), 60);
        assert_eq!(score_percent(0, 0), 0);
        assert!(is_pass(60, 60));
        assert!(!is_pass(59, 60));
    }

    #[test]
    fn csv_bank_parses_every_kind() {
        let text = "\u{feff}题型,题干,选项A,选项B,选项C,选项D,答案\n\
                    单选,一学时多少分钟？,30,40,45,60,C\n\
                    多选,总学分包括？,必修,选修,考试,登录,ABC\n\
                    判断,必修课1学时计1学分。,,,,,对\n\
                    single,只有两个选项,是,否,,,b\n";
        let bank = parse_bank(text).unwrap();
        assert_eq!(bank.len(), 4);
        assert_eq!(bank[0].answer, "C");
        assert_eq!(bank[1].kind, QuestionKind::Multiple);
        assert_eq!(bank[2].options, vec!["对", "错"]);
        assert_eq!(bank[2].answer, "T");
        assert_eq!(bank[3].options.len(), 2);
        assert_eq!(bank[3].answer, "B");
    }

    #[test]
    fn csv_bank_reports_every_bad_row() {
        let text = "题型,题干,选项A,选项B,选项C,答案\n\
                    单选,好题,甲,乙,丙,A\n\
                    问答,坏题型,甲,乙,丙,A\n\
                    单选,,甲,乙,丙,A\n\
                    单选,两个答案,甲,乙,丙,AB\n\
                    多选,一个答案,甲,乙,丙,A\n\
                    单选,答案越界,甲,乙,,C\n\
                    判断,判断带选项,甲,,,对\n\
                    判断,判断答案错,,,,也许\n\
                    单选,列数不对,甲\n";
        let errors = parse_bank(text).unwrap_err();
        let rows: Vec<usize> = errors.iter().map(|e| e.row).collect();
        assert_eq!(rows, vec![3, 4, 5, 6, 7, 8, 9, 10]);
        assert!(errors[0].to_string().starts_with("第 3 行：题型“问答”无效"));
        assert!(errors[4].message.contains("只有 2 个选项"), "{}", errors[4]);
        let errors = parse_bank("题目,答案\n").unwrap_err();
        assert!(errors[0].message.starts_with("表头应为"));
        assert!(
            parse_bank("题型,题干,选项A,答案\n").is_err(),
            "no questions"
        );
    }

    #[test]
    fn json_bank() {
        let text = r#"[
            {"kind": "single", "stem": "一学时多少分钟？", "options": ["30", "45"], "answer": "B"},
            {"kind": "判断", "stem": "对吗？", "answer": "错"}
        ]"#;
        let bank = parse_bank(text).unwrap();
        assert_eq!(bank[1].answer, "F");
        let bad = r#"[{"kind": "single", "stem": "x", "options": ["a"], "answer": "A"},
                      {"kind": "single", "stem": "y"}]"#;
        let errors = parse_bank(bad).unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(
            errors[0].to_string(),
            "第 1 题：选择题应有 2 到 8 个选项，实有 1 个"
        );
        assert!(parse_bank("[").is_err());
    }
}
