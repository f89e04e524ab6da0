//! Playback accounting (RULES.md, "Completion of a course"): which lecture time the server saw
//! being played. Pure: the clock (`now`) and the randomness (`Dice`) are passed in.
//!
//! A beat credits the stretch between the previous beat's position and its own, at most the real
//! time since the previous beat plus [`SLACK_S`], only at 1.0× while playing and visible, and only
//! when the stretch starts inside the watched union (plus slack): seeking ahead earns nothing.
//! Time credited since the last anti-idle check is "pending"; a missed check takes it back out of
//! the union.

/// How often the player sends a beat.
pub const BEAT_EVERY_S: i64 = 12;
/// Tolerance for network jitter, in seconds, on timing and on positions.
pub const SLACK_S: i64 = 2;
/// Beats further apart than this show playback the server did not see: nothing is credited.
pub const MAX_GAP_S: i64 = 45;
/// Playback rate that counts, ± this.
pub const RATE_TOLERANCE: f64 = 0.01;
/// Seconds the learner has to answer an anti-idle check.
pub const CHECK_ANSWER_S: i64 = 60;
/// A course is complete when the union reaches its duration less this many seconds.
pub const COMPLETE_SLACK_S: i64 = 5;
/// Range of the random wait before a lease's first anti-idle check, and between later ones.
pub const FIRST_CHECK_MIN_S: i64 = 90;
pub const CHECK_GAP_MIN_S: i64 = 300;
pub const CHECK_GAP_MAX_S: i64 = 900;

/// Sorted, disjoint, non-touching intervals `[start, end)` of whole seconds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Union(Vec<(i64, i64)>);

impl Union {
    pub fn new() -> Union {
        Union(Vec::new())
    }

    /// Parses the stored form `'a-b,c-d'` (empty for nothing); normalises order and overlaps.
    pub fn parse(text: &str) -> Result<Union, String> {
        let mut u = Union::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (a, b) = part
                .split_once('-')
                .ok_or_else(|| format!("区间“{part}”应为 起-止"))?;
            let a: i64 = a
                .trim()
                .parse()
                .map_err(|_| format!("区间“{part}”的起点不是整数"))?;
            let b: i64 = b
                .trim()
                .parse()
                .map_err(|_| format!("区间“{part}”的终点不是整数"))?;
            if a < 0 || b < a {
                return Err(format!("区间“{part}”无效"));
            }
            u.add(a, b);
        }
        Ok(u)
    }

    /// The stored form, `'a-b,c-d'`.
    pub fn format(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(a, b)| format!("{a}-{b}")).collect();
        parts.join(",")
    }

    pub fn intervals(&self) -> &[(i64, i64)] {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Total length in seconds.
    pub fn total(&self) -> i64 {
        self.0.iter().map(|(a, b)| b - a).sum()
    }

    /// Adds `[a, b)`; returns the pieces that were not covered before (what this added).
    pub fn add(&mut self, a: i64, b: i64) -> Vec<(i64, i64)> {
        if b <= a {
            return Vec::new();
        }
        let mut added = Vec::new();
        let mut cursor = a;
        for &(s, e) in &self.0 {
            if e <= cursor {
                continue;
            }
            if s >= b {
                break;
            }
            if s > cursor {
                added.push((cursor, s));
            }
            cursor = cursor.max(e);
        }
        if cursor < b {
            added.push((cursor, b));
        }
        // Merge [a, b) in: everything touching it collapses into one interval.
        let mut start = a;
        let mut end = b;
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut placed = false;
        for &(s, e) in &self.0 {
            if e < start {
                out.push((s, e));
            } else if s > end {
                if !placed {
                    out.push((start, end));
                    placed = true;
                }
                out.push((s, e));
            } else {
                start = start.min(s);
                end = end.max(e);
            }
        }
        if !placed {
            out.push((start, end));
        }
        self.0 = out;
        added
    }

    /// Removes every second in `other`.
    pub fn subtract(&mut self, other: &Union) {
        let mut out = Vec::with_capacity(self.0.len());
        for &(s, e) in &self.0 {
            let mut cursor = s;
            for &(os, oe) in &other.0 {
                if oe <= cursor || os >= e {
                    continue;
                }
                if os > cursor {
                    out.push((cursor, os));
                }
                cursor = cursor.max(oe);
            }
            if cursor < e {
                out.push((cursor, e));
            }
        }
        self.0 = out;
    }

    /// Whether playback from `pos` may earn credit: `pos` lies within the union (or the start of
    /// the course) plus slack.
    pub fn reaches(&self, pos: i64) -> bool {
        pos <= SLACK_S
            || self
                .0
                .iter()
                .any(|&(s, e)| pos >= s - SLACK_S && pos <= e + SLACK_S)
    }

    /// Where playback should resume: the last position if it can earn credit, else the end of
    /// what was watched from the start.
    pub fn resume_point(&self, position: i64) -> i64 {
        if position >= 0 && self.reaches(position) {
            position
        } else {
            match self.0.first() {
                Some(&(0, e)) => e,
                _ => 0,
            }
        }
    }
}

/// The anti-idle check a learner must answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub code: String,
    pub issued_at: i64,
}

/// What the server keeps about one lease between beats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    pub last_beat_at: i64,
    pub last_position: i64,
    pub check: Option<Check>,
    pub next_check_at: i64,
    /// Seconds added to the union since the last answered check.
    pub pending: Union,
}

impl Lease {
    /// A fresh lease at `position`, its first check `first_check_in_s` from now.
    pub fn open(now: i64, position: i64, first_check_in_s: i64) -> Lease {
        Lease {
            last_beat_at: now,
            last_position: position,
            check: None,
            next_check_at: now + first_check_in_s,
            pending: Union::new(),
        }
    }
}

/// What the player reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Report<'a> {
    pub position_s: f64,
    pub rate: f64,
    pub paused: bool,
    pub visible: bool,
    pub check_code: Option<&'a str>,
}

/// Randomness drawn by the caller for this beat: the code of a new check (if one is issued) and
/// the wait before the one after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dice {
    pub code: String,
    pub gap_s: i64,
}

/// Why a beat credited nothing (or what happened to a check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Note {
    Paused,
    Hidden,
    Rate,
    Gap,
    Ahead,
    CheckPending,
    CheckPassed,
    CheckMissed,
}

impl Note {
    /// The text shown to the learner.
    pub fn message(self) -> &'static str {
        match self {
            Note::Paused => "已暂停，暂停期间不计学时",
            Note::Hidden => "页面不在前台，此期间不计学时",
            Note::Rate => "仅以 1.0 倍速播放时计学时",
            Note::Gap => "长时间未收到播放信号，此段不计学时",
            Note::Ahead => "跳过未观看的内容不计学时，请从已观看处继续",
            Note::CheckPending => "请输入验证码以继续计时",
            Note::CheckPassed => "验证通过，继续计时",
            Note::CheckMissed => "未在 60 秒内完成验证，上次验证以来的学习时长不计",
        }
    }
}

/// What one beat did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Seconds this beat added to the union (before any check took time back out).
    pub credited_s: i64,
    /// A check the learner must answer now: its code and seconds left to answer.
    pub prompt: Option<(String, i64)>,
    /// The union reached the duration on this beat.
    pub completed_now: bool,
    pub note: Option<Note>,
}

/// Seconds of playback a beat `elapsed` seconds after the previous one may credit: the real
/// time plus slack for jitter, the slack growing with the gap (at most 1/6 of it) so that beats
/// sent in quick succession cannot each claim a fresh allowance.
pub fn allowance(elapsed: i64) -> i64 {
    let elapsed = elapsed.max(0);
    elapsed + (elapsed / 6).min(SLACK_S)
}

/// The union length at which a course of `duration_s` is complete.
pub fn completion_threshold(duration_s: i64) -> i64 {
    (duration_s - COMPLETE_SLACK_S).max(1)
}

/// Applies one beat to the lease and the learner's union for the course. `already_complete`:
/// the course was completed earlier (no second completion).
pub fn beat(
    lease: &mut Lease,
    watched: &mut Union,
    duration_s: i64,
    already_complete: bool,
    report: &Report<'_>,
    now: i64,
    dice: &Dice,
) -> Outcome {
    let position = if report.position_s.is_finite() {
        (report.position_s.round() as i64).clamp(0, duration_s)
    } else {
        lease.last_position
    };
    let elapsed = now - lease.last_beat_at;
    let mut out = Outcome {
        credited_s: 0,
        prompt: None,
        completed_now: false,
        note: None,
    };

    if let Some(check) = lease.check.clone() {
        let age = now - check.issued_at;
        let answered = report.check_code.map(str::trim) == Some(check.code.as_str());
        if answered && age <= CHECK_ANSWER_S + SLACK_S {
            lease.pending = Union::new();
            lease.check = None;
            lease.next_check_at = now + dice.gap_s;
            out.note = Some(Note::CheckPassed);
        } else if age > CHECK_ANSWER_S {
            watched.subtract(&lease.pending);
            lease.pending = Union::new();
            lease.check = None;
            lease.next_check_at = now + dice.gap_s;
            out.note = Some(Note::CheckMissed);
        } else {
            out.prompt = Some((check.code, CHECK_ANSWER_S - age));
            out.note = Some(Note::CheckPending);
        }
        // The player was paused for the check: measuring restarts from here.
        lease.last_beat_at = now;
        lease.last_position = position;
        return out;
    }

    out.note = if report.paused {
        Some(Note::Paused)
    } else if !report.visible {
        Some(Note::Hidden)
    } else if (report.rate - 1.0).abs() > RATE_TOLERANCE || !report.rate.is_finite() {
        Some(Note::Rate)
    } else if elapsed > MAX_GAP_S {
        Some(Note::Gap)
    } else {
        let end = position;
        let start = lease.last_position.max(end - allowance(elapsed));
        if end > start && !watched.reaches(start) {
            Some(Note::Ahead)
        } else {
            for (a, b) in watched.add(start, end) {
                out.credited_s += b - a;
                lease.pending.add(a, b);
            }
            None
        }
    };
    lease.last_beat_at = now;
    lease.last_position = position;

    if !already_complete && watched.total() >= completion_threshold(duration_s) {
        out.completed_now = true;
        lease.pending = Union::new();
    } else if !already_complete && !report.paused && now >= lease.next_check_at {
        lease.check = Some(Check {
            code: dice.code.clone(),
            issued_at: now,
        });
        out.prompt = Some((dice.code.clone(), CHECK_ANSWER_S));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const T0: i64 = 1_000_000;

    fn u(text: &str) -> Union {
        Union::parse(text).unwrap()
    }

    fn play(pos: f64) -> Report<'static> {
        Report {
            position_s: pos,
            rate: 1.0,
            paused: false,
            visible: true,
            check_code: None,
        }
    }

    fn dice() -> Dice {
        Dice {
            code: "4821".into(),
            gap_s: 600,
        }
    }

    /// A lease whose first check is far away.
    fn lease(now: i64, pos: i64) -> Lease {
        Lease::open(now, pos, 100_000)
    }

    #[test]
    fn union_parses_merges_and_formats() {
        let cases = [
            ("", ""),
            ("0-10", "0-10"),
            ("0-10,10-20", "0-20"),
            ("20-30,0-10", "0-10,20-30"),
            ("0-10,5-25,24-30", "0-30"),
            ("5-5", ""),
            (" 0-3 , 7-9 ", "0-3,7-9"),
        ];
        for (input, want) in cases {
            assert_eq!(u(input).format(), want, "{input}");
        }
        for bad in ["x", "3-1", "-1-4", "1-a", "1"] {
            assert!(Union::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn add_reports_only_new_pieces() {
        let mut w = u("10-20,30-40");
        assert_eq!(w.add(5, 45), vec![(5, 10), (20, 30), (40, 45)]);
        assert_eq!(w.format(), "5-45");
        assert_eq!(w.add(6, 44), vec![]);
        let mut w = u("10-20");
        assert_eq!(w.add(20, 25), vec![(20, 25)]);
        assert_eq!(w.format(), "10-25");
    }

    #[test]
    fn subtract_cuts_out() {
        let mut w = u("0-100");
        w.subtract(&u("10-20,50-60"));
        assert_eq!(w.format(), "0-10,20-50,60-100");
        w.subtract(&u("0-100"));
        assert!(w.is_empty());
    }

    #[test]
    fn normal_play_credits_elapsed_time() {
        let mut l = lease(T0, 0);
        let mut w = Union::new();
        let o = beat(&mut l, &mut w, 600, false, &play(12.0), T0 + 12, &dice());
        assert_eq!(o.credited_s, 12);
        assert_eq!(o.note, None);
        let o = beat(&mut l, &mut w, 600, false, &play(24.3), T0 + 24, &dice());
        assert_eq!(o.credited_s, 12);
        assert_eq!(w.format(), "0-24");
    }

    #[test]
    fn faster_than_real_time_earns_at_most_elapsed_plus_slack() {
        // The player claims 1.0× but moved 30 s in 12 s: the stretch cannot start inside the union.
        let mut l = lease(T0, 0);
        let mut w = Union::new();
        let o = beat(&mut l, &mut w, 600, false, &play(12.0), T0 + 12, &dice());
        assert_eq!(o.credited_s, 12);
        let o = beat(&mut l, &mut w, 600, false, &play(42.0), T0 + 24, &dice());
        assert_eq!(o.credited_s, 0);
        assert_eq!(o.note, Some(Note::Ahead));
        // Slightly fast (jitter) is within the slack.
        let mut l = lease(T0, 0);
        let mut w = Union::new();
        let o = beat(&mut l, &mut w, 600, false, &play(13.5), T0 + 12, &dice());
        assert_eq!(o.credited_s, 14);
        // An honest rate of 2.0 earns nothing.
        let mut l = lease(T0, 0);
        let mut w = Union::new();
        let fast = Report {
            rate: 2.0,
            ..play(24.0)
        };
        let o = beat(&mut l, &mut w, 600, false, &fast, T0 + 12, &dice());
        assert_eq!((o.credited_s, o.note), (0, Some(Note::Rate)));
        let ok = Report {
            rate: 1.005,
            ..play(12.0)
        };
        let mut l = lease(T0, 0);
        let o = beat(&mut l, &mut w, 600, false, &ok, T0 + 12, &dice());
        assert_eq!(o.credited_s, 12);
    }

    #[test]
    fn rapid_beats_never_beat_the_clock() {
        // A forged player sends a beat every second, each 2 s further on.
        let mut w = Union::new();
        let mut l = lease(T0, 0);
        let mut total = 0;
        for i in 1..=60 {
            let o = beat(
                &mut l,
                &mut w,
                600,
                false,
                &play(2.0 * i as f64),
                T0 + i,
                &dice(),
            );
            total += o.credited_s;
        }
        assert!(total <= 60, "{total}");
        assert_eq!(allowance(0), 0);
        assert_eq!(allowance(6), 7);
        assert_eq!(allowance(12), 14);
        assert_eq!(allowance(40), 42);
    }

    #[test]
    fn gaps_pauses_and_hidden_earn_nothing() {
        let mut w = Union::new();
        let mut l = lease(T0, 0);
        let o = beat(&mut l, &mut w, 600, false, &play(60.0), T0 + 60, &dice());
        assert_eq!((o.credited_s, o.note), (0, Some(Note::Gap)));
        // After the gap, measuring restarts from the new beat.
        let paused = Report {
            paused: true,
            ..play(0.0)
        };
        let mut l = lease(T0, 0);
        let o = beat(&mut l, &mut w, 600, false, &paused, T0 + 12, &dice());
        assert_eq!((o.credited_s, o.note), (0, Some(Note::Paused)));
        let hidden = Report {
            visible: false,
            ..play(24.0)
        };
        let o = beat(&mut l, &mut w, 600, false, &hidden, T0 + 24, &dice());
        assert_eq!((o.credited_s, o.note), (0, Some(Note::Hidden)));
        assert!(w.is_empty());
        // Resumed: the next 12 s count from the hidden beat's position.
        let o = beat(&mut l, &mut w, 600, false, &play(36.0), T0 + 36, &dice());
        assert_eq!(o.note, Some(Note::Ahead), "24 s was never watched");
        assert_eq!(o.credited_s, 0);
    }

    #[test]
    fn seeking_ahead_earns_nothing_and_back_inside_is_fine() {
        let mut w = u("0-100");
        let mut l = lease(T0, 100);
        // Seek to 300 and play 12 s.
        let o = beat(&mut l, &mut w, 600, false, &play(312.0), T0 + 12, &dice());
        assert_eq!((o.credited_s, o.note), (0, Some(Note::Ahead)));
        let o = beat(&mut l, &mut w, 600, false, &play(324.0), T0 + 24, &dice());
        assert_eq!((o.credited_s, o.note), (0, Some(Note::Ahead)));
        assert_eq!(w.format(), "0-100");
        // Back inside the union, at its edge, crediting resumes.
        let o = beat(&mut l, &mut w, 600, false, &play(90.0), T0 + 36, &dice());
        assert_eq!(o.credited_s, 0);
        let o = beat(&mut l, &mut w, 600, false, &play(102.0), T0 + 48, &dice());
        assert_eq!(o.credited_s, 2);
        assert_eq!(w.format(), "0-102");
        // Seeking forward within the union earns what the stretch adds near its end.
        let mut w = u("0-200");
        let mut l = lease(T0, 50);
        let o = beat(&mut l, &mut w, 600, false, &play(205.0), T0 + 12, &dice());
        assert_eq!(o.credited_s, 5);
    }

    #[test]
    fn missed_check_takes_back_time_since_previous_check() {
        let mut w = u("0-100");
        let mut l = Lease::open(T0, 100, 24);
        let o = beat(&mut l, &mut w, 600, false, &play(112.0), T0 + 12, &dice());
        assert_eq!((o.credited_s, o.prompt.clone()), (12, None));
        let o = beat(&mut l, &mut w, 600, false, &play(124.0), T0 + 24, &dice());
        assert_eq!(o.credited_s, 12);
        assert_eq!(o.prompt, Some(("4821".into(), 60)));
        assert_eq!(w.format(), "0-124");
        // Within the minute: still waiting, nothing credited.
        let o = beat(&mut l, &mut w, 600, false, &play(124.0), T0 + 60, &dice());
        assert_eq!(o.note, Some(Note::CheckPending));
        assert_eq!(o.prompt, Some(("4821".into(), 24)));
        // A wrong answer is no answer.
        let wrong = Report {
            check_code: Some("0000"),
            ..play(124.0)
        };
        let o = beat(&mut l, &mut w, 600, false, &wrong, T0 + 72, &dice());
        assert_eq!(o.note, Some(Note::CheckPending));
        let o = beat(&mut l, &mut w, 600, false, &play(124.0), T0 + 85, &dice());
        assert_eq!(o.note, Some(Note::CheckMissed));
        assert_eq!(
            w.format(),
            "0-100",
            "the 24 s since the previous check are gone"
        );
        assert!(l.check.is_none());
        assert_eq!(l.next_check_at, T0 + 85 + 600);
    }

    #[test]
    fn answered_check_keeps_the_time() {
        let mut w = Union::new();
        let mut l = Lease::open(T0, 0, 12);
        let o = beat(&mut l, &mut w, 600, false, &play(12.0), T0 + 12, &dice());
        assert!(o.prompt.is_some());
        let answer = Report {
            check_code: Some(" 4821 "),
            paused: true,
            ..play(12.0)
        };
        let o = beat(&mut l, &mut w, 600, false, &answer, T0 + 50, &dice());
        assert_eq!(o.note, Some(Note::CheckPassed));
        assert!(l.pending.is_empty());
        let o = beat(&mut l, &mut w, 600, false, &play(24.0), T0 + 62, &dice());
        assert_eq!(o.credited_s, 12);
        assert_eq!(w.format(), "0-24");
        // A later missed check takes back only what came after the answered one.
        l.next_check_at = T0 + 74;
        let o = beat(&mut l, &mut w, 600, false, &play(36.0), T0 + 74, &dice());
        assert!(o.prompt.is_some());
        let o = beat(&mut l, &mut w, 600, false, &play(36.0), T0 + 140, &dice());
        assert_eq!(o.note, Some(Note::CheckMissed));
        assert_eq!(w.format(), "0-12");
    }

    #[test]
    fn two_leases_only_the_current_one_is_beaten() {
        // The store replaces the lease row; the accounting of the new lease starts fresh at the
        // resume point, and the old lease's state is gone (its beats are refused as superseded
        // before they reach these rules). Here: a new lease does not inherit the old baseline.
        let mut w = u("0-50");
        let mut old = lease(T0, 50);
        let o = beat(&mut old, &mut w, 600, false, &play(62.0), T0 + 12, &dice());
        assert_eq!(o.credited_s, 12);
        let mut new = lease(T0 + 13, w.resume_point(62));
        assert_eq!(new.last_position, 62);
        let o = beat(&mut new, &mut w, 600, false, &play(74.0), T0 + 25, &dice());
        assert_eq!(o.credited_s, 12);
        assert_eq!(w.format(), "0-74");
    }

    #[test]
    fn completion_exactly_at_the_boundary() {
        let duration = 120;
        // One second short of the threshold.
        let mut w = u("0-100");
        let mut l = lease(T0, 100);
        let o = beat(
            &mut l,
            &mut w,
            duration,
            false,
            &play(114.0),
            T0 + 14,
            &dice(),
        );
        assert_eq!(w.total(), 114);
        assert!(!o.completed_now);
        // Exactly duration − COMPLETE_SLACK_S.
        let o = beat(
            &mut l,
            &mut w,
            duration,
            false,
            &play(115.0),
            T0 + 15,
            &dice(),
        );
        assert_eq!(w.total(), completion_threshold(duration));
        assert!(o.completed_now);
        // Never twice.
        let o = beat(
            &mut l,
            &mut w,
            duration,
            true,
            &play(120.0),
            T0 + 20,
            &dice(),
        );
        assert!(!o.completed_now);
        // Positions past the end are clamped to the duration.
        let mut w = u("0-100");
        let mut l = lease(T0, 100);
        beat(&mut l, &mut w, 105, false, &play(500.0), T0 + 12, &dice());
        assert_eq!(w.format(), "0-105");
    }

    #[test]
    fn resume_point() {
        assert_eq!(u("0-100").resume_point(80), 80);
        assert_eq!(u("0-100").resume_point(300), 100);
        assert_eq!(u("10-100").resume_point(300), 0);
        assert_eq!(Union::new().resume_point(1), 1);
    }

    proptest! {
        #[test]
        fn union_matches_a_bitmap(ops in proptest::collection::vec((0i64..200, 0i64..40), 0..30),
                                  cuts in proptest::collection::vec((0i64..200, 0i64..40), 0..5)) {
            let mut w = Union::new();
            let mut bits = [false; 240];
            for (a, len) in ops {
                let added: i64 = w.add(a, a + len).iter().map(|(s, e)| e - s).sum();
                let before = bits.iter().filter(|b| **b).count() as i64;
                for b in &mut bits[a as usize..(a + len) as usize] { *b = true; }
                let after = bits.iter().filter(|b| **b).count() as i64;
                prop_assert_eq!(added, after - before);
            }
            let mut cut = Union::new();
            for (a, len) in cuts {
                cut.add(a, a + len);
                for b in &mut bits[a as usize..(a + len) as usize] { *b = false; }
            }
            w.subtract(&cut);
            prop_assert_eq!(w.total(), bits.iter().filter(|b| **b).count() as i64);
            for pair in w.intervals().windows(2) {
                prop_assert!(pair[0].1 < pair[1].0);
            }
            prop_assert_eq!(Union::parse(&w.format()).unwrap(), w);
        }

        #[test]
        fn never_credits_more_than_real_time(steps in proptest::collection::vec((1i64..30, -20.0f64..60.0), 1..40)) {
            let mut w = Union::new();
            let mut l = lease(T0, 0);
            let mut now = T0;
            let mut total = 0;
            for (dt, dpos) in steps {
                now += dt;
                let pos = l.last_position as f64 + dpos;
                let o = beat(&mut l, &mut w, 10_000, false, &play(pos), now, &dice());
                prop_assert!(o.credited_s <= allowance(dt));
                total += o.credited_s;
            }
            prop_assert!(total * 6 <= (now - T0) * 7);
            prop_assert_eq!(total, w.total());
        }
    }
}
