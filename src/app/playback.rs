//! Playback that earns credit: a learner opens a course (taking their one lease), the player sends
//! beats, and the server alone decides what was watched (rules::playback). Beats go through
//! [`Heartbeats`], a writer task that applies many beats in one transaction and answers each only
//! after that transaction committed. Anti-idle checks belong to the account (its
//! `playback_checks` row, locked first by every path that changes it): a check left unanswered is
//! missed at whichever entry point comes next — a beat, opening a course, the answer, signing out,
//! or the site's sweep ([`miss_lapsed`]) — and its code is only ever drawn, never sent as text.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use rand::Rng;
use tokio::sync::{mpsc, oneshot};

use crate::rules::calendar::credit_year;
use crate::rules::catalog::CourseStatus;
use crate::rules::credits::CourseKind;
use crate::rules::playback::{
    self as rules, Answer, Checks, Dice, Lease, Note, Report, Union, Watch,
};
use crate::rules::standing::Bucket;
use crate::store::playback::{
    self as store, CheckRow, LeaseRow, LeaseUpdate, NewLease, PlaybackUpdate,
};
use crate::store::web_sessions::{self, SessionRow, Touch};
use crate::store::{Backend, Db, Tx, accounts, courses, fraud};

use super::changes::{self, Topic};
use super::ledger::{self, Award};
use super::{Actor, Error, Result, sessions};

/// Beats applied in one transaction at most.
pub const BATCH: usize = 256;

#[derive(Debug, Clone, serde::Serialize)]
pub struct Opened {
    /// Random, unguessable; the player sends it with every beat.
    pub lease_id: String,
    pub course_code: String,
    pub title: String,
    pub duration_s: i64,
    /// Where to resume: the last position, if it can earn credit.
    pub resume_at_s: i64,
    /// Length of the watched union.
    pub watched_s: i64,
    /// The union, so the player can allow seeking inside it.
    pub watched: Vec<(i64, i64)>,
    pub completed: bool,
    /// File name relative to the media folder.
    pub media: String,
    pub beat_every_s: i64,
    /// An anti-idle check still waits for an answer: show its image at once.
    pub check: Option<CheckPrompt>,
}

/// Takes the learner's one lease (ending any other playback on any device/node). Learner only.
/// An anti-idle check left unanswered past its minute is missed here too: opening the course
/// again, or another one, never escapes it; one still waiting is asked again (`Opened::check`).
pub async fn open(
    db: &Db,
    actor: &Actor,
    course_code: &str,
    node: &str,
    now: i64,
) -> Result<Opened> {
    let account_id = learner_id(actor)?;
    let mut tx = db.begin().await?;
    match accounts::learner_flag(&mut tx, account_id).await? {
        Some(1) => {}
        Some(_) => return Err(Error::Forbidden("只有学员可以学习课程".into())),
        None => return Err(Error::NotFound(format!("账号 {}", actor.username))),
    }
    let course = courses::by_code_tx(&mut tx, course_code.trim())
        .await?
        .filter(|c| c.status == CourseStatus::Published.code())
        .ok_or_else(|| Error::NotFound(format!("课程 {course_code}")))?;
    let dice = dice();
    // The check row first: every path that changes it takes its lock before the lease's.
    let first_check = first_check_in();
    let row = lock_checks(&mut tx, account_id, now + first_check).await?;
    let mut checks = checks_of_row(&row);
    if checks.lapsed(now) {
        forfeit(&mut tx, account_id, now).await?;
        checks.miss(now, dice.gap_s);
    }
    checks.reschedule_if_stale(now, first_check);
    store::update_checks(&mut tx, &[check_row(account_id, &checks, row.last_ok_at)]).await?;
    let playback = store::ensure(&mut tx, account_id, course.id, now).await?;
    let watched = parse_union(&playback.watched)?;
    let resume_at_s = watched
        .resume_point(playback.position_s)
        .clamp(0, course.duration_s);
    let lease_id = format!("{:032x}", rand::random::<u128>());
    store::take_lease(
        &mut tx,
        &NewLease {
            account_id,
            lease_id: &lease_id,
            course_id: course.id,
            node,
            address: &actor.address,
            position: resume_at_s,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Opened {
        lease_id,
        course_code: course.code,
        title: course.title,
        duration_s: course.duration_s,
        resume_at_s,
        watched_s: watched.total(),
        watched: watched.intervals().to_vec(),
        completed: playback.completed_at.is_some(),
        media: course.media_path.unwrap_or_default(),
        beat_every_s: rules::BEAT_EVERY_S,
        check: checks.waiting(now).map(CheckPrompt::new),
    })
}

/// What answering an anti-idle check did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AnswerReply {
    /// passed | wrong | missed | none
    pub status: &'static str,
    pub message: String,
    /// A check still waits (after a wrong answer): seconds left.
    pub check: Option<CheckPrompt>,
}

/// Answers the account's waiting anti-idle check. Late, or wrong too often: the time since the
/// previous check is forfeited in every course, and the miss is flagged for the office.
pub async fn answer(db: &Db, actor: &Actor, code: &str, now: i64) -> Result<AnswerReply> {
    let account_id = learner_id(actor)?;
    let code = code.trim();
    if code.chars().count() > 16 {
        return Err(Error::invalid("验证码", "过长"));
    }
    let mut tx = db.begin().await?;
    let Some(row) = store::check_of(&mut tx, account_id).await? else {
        tx.rollback().await?;
        return Ok(answer_reply(Answer::NoCheck, None));
    };
    let mut checks = checks_of_row(&row);
    let answer = rules::answer(&mut checks, code, now, dice().gap_s);
    match answer {
        Answer::Passed => store::verify_all(&mut tx, account_id).await?,
        Answer::Missed => forfeit(&mut tx, account_id, now).await?,
        Answer::Wrong(_) | Answer::NoCheck => {}
    }
    let ok_at = (answer == Answer::Passed).then_some(now);
    store::update_checks(
        &mut tx,
        &[check_row(account_id, &checks, ok_at.or(row.last_ok_at))],
    )
    .await?;
    // A missed check is flagged for the office.
    let flagged: &[Topic] = match answer {
        Answer::Missed => &[Topic::Flags],
        _ => &[],
    };
    changes::commit(db, tx, flagged).await?;
    Ok(answer_reply(answer, checks.waiting(now)))
}

fn answer_reply(answer: Answer, waiting: Option<i64>) -> AnswerReply {
    AnswerReply {
        status: match answer {
            Answer::Passed => "passed",
            Answer::Wrong(_) => "wrong",
            Answer::Missed => "missed",
            Answer::NoCheck => "none",
        },
        message: answer.message(),
        check: waiting.map(CheckPrompt::new),
    }
}

/// The code of the account's waiting check, for drawing it (never sent as text). None when no
/// check waits or it lapsed.
pub async fn check_code(db: &Db, actor: &Actor, now: i64) -> Result<Option<String>> {
    let account_id = learner_id(actor)?;
    Ok(store::waiting_code(db.reader(), account_id)
        .await?
        .filter(|&(_, issued_at)| rules::answerable(issued_at, now))
        .map(|(code, _)| code))
}

/// The learner signs out: a check still waiting can no longer be answered on this session, so
/// it is missed now (RULES.md: whatever the client does next, sign-out included).
pub async fn sign_out(db: &Db, actor: &Actor, now: i64) -> Result<()> {
    let Some(account_id) = actor.account_id else {
        return Ok(());
    };
    miss_if(db, account_id, now, |checks| checks.check.is_some()).await
}

/// Misses every check that lapsed unanswered by `now` (the learner closed the page and never came
/// back); returns how many. The entry points miss them too; this keeps the unions and the
/// office's flags true for learners who do not return.
pub async fn miss_lapsed(db: &Db, now: i64) -> Result<usize> {
    let before = rules::lapsed_if_issued_before(now);
    let ids = store::lapsed_checks(db.reader(), before, 200).await?;
    for &id in &ids {
        miss_if(db, id, now, |checks| checks.lapsed(now)).await?;
    }
    Ok(ids.len())
}

/// Misses the account's check (one transaction) when `due` says so on the locked row.
async fn miss_if(db: &Db, account_id: i64, now: i64, due: impl Fn(&Checks) -> bool) -> Result<()> {
    let mut tx = db.begin().await?;
    let Some(row) = store::check_of(&mut tx, account_id).await? else {
        tx.rollback().await?;
        return Ok(());
    };
    let mut checks = checks_of_row(&row);
    if !due(&checks) {
        tx.rollback().await?;
        return Ok(());
    }
    forfeit(&mut tx, account_id, now).await?;
    checks.miss(now, dice().gap_s);
    store::update_checks(&mut tx, &[check_row(account_id, &checks, row.last_ok_at)]).await?;
    changes::commit(db, tx, &[Topic::Flags]).await?;
    Ok(())
}

/// A missed check: the unverified time of every course of the account leaves its union, and the
/// miss is flagged for the office. The caller clears the check itself (`Checks::miss`).
async fn forfeit(tx: &mut Tx, account_id: i64, now: i64) -> Result<()> {
    let mut codes = Vec::new();
    for row in store::unverified_of(tx, account_id).await? {
        let mut watched = parse_union(&row.watched)?;
        let mut unverified = parse_union(&row.unverified)?;
        rules::forfeit(&mut watched, &mut unverified);
        store::write_forfeit(
            tx,
            account_id,
            row.course_id,
            &watched.format(),
            watched.total(),
        )
        .await?;
        codes.push(row.course_code);
    }
    let detail = if codes.is_empty() {
        format!("未在 {} 秒内完成防挂机验证", rules::CHECK_ANSWER_S)
    } else {
        format!(
            "未在 {} 秒内完成防挂机验证（最近一次：课程 {}）",
            rules::CHECK_ANSWER_S,
            codes.join("、")
        )
    };
    fraud::note_failed_check(tx, account_id, credit_year(now), &detail, now).await?;
    Ok(())
}

/// The account's anti-idle row, created if missing (its first check due at `first_due`),
/// locked until the transaction ends.
async fn lock_checks(tx: &mut Tx, account_id: i64, first_due: i64) -> Result<CheckRow> {
    store::ensure_checks(tx, account_id, first_due).await?;
    store::check_of(tx, account_id)
        .await?
        .ok_or_else(|| Error::internal(format!("账号 {account_id} 的防挂机记录缺失")))
}

fn checks_of_row(row: &CheckRow) -> Checks {
    Checks {
        check: match (&row.code, row.issued_at) {
            (Some(code), Some(issued_at)) => Some(rules::Check {
                code: code.clone(),
                issued_at,
                wrong: row.wrong,
            }),
            _ => None,
        },
        next_check_at: row.next_check_at,
    }
}

fn check_row(account_id: i64, checks: &Checks, last_ok_at: Option<i64>) -> CheckRow {
    let check = checks.check.as_ref();
    CheckRow {
        account_id,
        code: check.map(|c| c.code.clone()),
        issued_at: check.map(|c| c.issued_at),
        wrong: check.map_or(0, |c| c.wrong),
        next_check_at: checks.next_check_at,
        last_ok_at,
    }
}

/// The randomness of a beat: a new check's code, and the wait before the check after it.
fn dice() -> Dice {
    let mut rng = rand::thread_rng();
    Dice {
        code: format!("{:04}", rng.gen_range(0..10_000)),
        gap_s: rng.gen_range(rules::CHECK_GAP_MIN_S..=rules::CHECK_GAP_MAX_S),
    }
}

fn first_check_in() -> i64 {
    rand::thread_rng().gen_range(rules::FIRST_CHECK_MIN_S..=rules::CHECK_GAP_MAX_S)
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Beat {
    pub lease_id: String,
    pub position_s: f64,
    pub rate: f64,
    pub paused: bool,
    pub visible: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BeatStatus {
    Ok,
    /// Another playback took the lease.
    Superseded,
    /// The lease is unknown or ended.
    Expired,
    /// The web session behind the beat has ended (signed out, ended by staff, expired).
    SignedOut,
}

/// An anti-idle check waits: the player pauses and shows the code's image (`/api/check.svg`,
/// drawn by the server; the code itself is never sent as text).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckPrompt {
    pub answer_within_s: i64,
}

impl CheckPrompt {
    fn new(answer_within_s: i64) -> CheckPrompt {
        CheckPrompt { answer_within_s }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Completion {
    /// e.g. "1.5"
    pub credits: String,
    /// 必修 / 选修 / 考试
    pub bucket: String,
    pub rule: String,
}

impl Completion {
    /// What an award granted, if it granted anything.
    pub fn of(award: &Award, bucket: Bucket) -> Option<Completion> {
        match award {
            Award::Granted { tenths, rule, .. } => Some(Completion {
                credits: tenths.to_string(),
                bucket: bucket.label().into(),
                rule: rule.clone(),
            }),
            Award::AlreadyGranted => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BeatReply {
    pub status: BeatStatus,
    pub watched_s: i64,
    pub duration_s: i64,
    /// Seconds this beat added to the union.
    pub credited_s: i64,
    /// Pause and ask the learner.
    pub check: Option<CheckPrompt>,
    /// Present once, on the beat that completed the course.
    pub completion: Option<Completion>,
    /// Chinese text to show (e.g. why nothing was credited).
    pub message: Option<String>,
}

impl BeatReply {
    fn ended(status: BeatStatus) -> BeatReply {
        let message = match status {
            BeatStatus::Superseded => "您已在其他页面或设备上开始播放，本页已停止计时",
            BeatStatus::SignedOut => "登录已失效，请重新登录后继续学习",
            BeatStatus::Expired | BeatStatus::Ok => "播放已结束，请重新打开课程",
        };
        BeatReply {
            status,
            watched_s: 0,
            duration_s: 0,
            credited_s: 0,
            check: None,
            completion: None,
            message: Some(message.into()),
        }
    }
}

struct Job {
    account_id: i64,
    session_id: String,
    beat: Beat,
    now: i64,
    dice: Dice,
    reply: oneshot::Sender<Result<BeatReply>>,
}

/// The batching heartbeat writer: many beats → one transaction; `beat` returns only after the
/// transaction holding that beat committed (an acknowledged beat is never lost).
///
/// SQLite has one writer, so one task; on PostgreSQL a few tasks write in parallel, each owning
/// the learners whose id falls to it (a learner's beats stay in order).
///
/// A beat names the web session it came with. Which learner a session belongs to never changes,
/// so that is cached here (the only read a beat does outside its batch); whether the session is
/// still live is checked inside the batch's transaction, so a sign-out or a session ended by
/// staff stops crediting at once, on every node.
#[derive(Clone)]
pub struct Heartbeats {
    db: Db,
    writers: Arc<[mpsc::Sender<Job>]>,
    owners: Arc<Mutex<HashMap<String, i64>>>,
}

/// Sessions whose owner is remembered at most; past this the cache starts again (a miss costs
/// one read).
const OWNERS_MAX: usize = 200_000;

impl Heartbeats {
    pub fn spawn(db: Db) -> Heartbeats {
        let n = match db.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 3,
        };
        let writers: Vec<mpsc::Sender<Job>> = (0..n)
            .map(|_| {
                let (tx, rx) = mpsc::channel(BATCH * 16);
                tokio::spawn(write_loop(db.clone(), rx));
                tx
            })
            .collect();
        Heartbeats {
            db,
            writers: writers.into(),
            owners: Arc::default(),
        }
    }

    /// Applies one beat sent with web session `session_id` from `address`; answers after the
    /// transaction holding it committed.
    pub async fn beat(
        &self,
        session_id: &str,
        address: &str,
        beat: Beat,
        now: i64,
    ) -> Result<BeatReply> {
        let Some(account_id) = self.owner_of(session_id, address, now).await? else {
            return Ok(BeatReply::ended(BeatStatus::SignedOut));
        };
        let (reply, answer) = oneshot::channel();
        let job = Job {
            account_id,
            session_id: session_id.to_string(),
            beat,
            now,
            dice: dice(),
            reply,
        };
        let shard = account_id.rem_euclid(self.writers.len() as i64) as usize;
        let stopped = || Error::internal("心跳写入任务已停止");
        self.writers[shard].send(job).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Opens a course for the learner signed in with web session `session_id` (see [`open`]),
    /// and remembers whose session it is, so the beats that follow need no lookup.
    pub async fn open(
        &self,
        actor: &Actor,
        session_id: &str,
        course_code: &str,
        node: &str,
        now: i64,
    ) -> Result<Opened> {
        let opened = open(&self.db, actor, course_code, node, now).await?;
        let account_id = learner_id(actor)?;
        self.remember(session_id, account_id);
        Ok(opened)
    }

    fn remember(&self, session_id: &str, account_id: i64) {
        let mut owners = self.owners();
        if owners.len() >= OWNERS_MAX && !owners.contains_key(session_id) {
            owners.clear();
        }
        owners.insert(session_id.to_string(), account_id);
    }

    /// The account of a live web session (None when it is not live).
    async fn owner_of(&self, session_id: &str, address: &str, now: i64) -> Result<Option<i64>> {
        if let Some(id) = self.owners().get(session_id) {
            return Ok(Some(*id));
        }
        let Some(session) = sessions::resume(&self.db, session_id, address, now).await? else {
            return Ok(None);
        };
        let account_id = learner_id(&session.actor)?;
        self.remember(session_id, account_id);
        Ok(Some(account_id))
    }

    fn owners(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        // The map holds no invariant a panicking holder could break.
        self.owners
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

async fn write_loop(db: Db, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut jobs, BATCH).await > 0 {
        write_batch(&db, std::mem::take(&mut jobs)).await;
        jobs.reserve(BATCH);
    }
}

/// All jobs in one transaction; if anything in it fails, each job again in its own, so one bad
/// beat fails alone.
async fn write_batch(db: &Db, jobs: Vec<Job>) {
    match apply_all(db, &jobs).await {
        Ok(replies) => {
            for (job, reply) in jobs.into_iter().zip(replies) {
                let _ = job.reply.send(Ok(reply));
            }
        }
        Err(e) => {
            if jobs.len() == 1 {
                if let Some(job) = jobs.into_iter().next() {
                    let _ = job.reply.send(Err(e));
                }
                return;
            }
            tracing::warn!(
                "heartbeat batch of {} failed ({e}); retrying one by one",
                jobs.len()
            );
            for job in jobs {
                let result = apply_all(db, std::slice::from_ref(&job)).await;
                let _ = job.reply.send(result.map(|mut r| {
                    r.pop()
                        .unwrap_or_else(|| BeatReply::ended(BeatStatus::Expired))
                }));
            }
        }
    }
}

async fn apply_all(db: &Db, jobs: &[Job]) -> Result<Vec<BeatReply>> {
    let mut tx = db.begin().await?;
    let replies = apply(&mut tx, jobs).await?;
    // Completions move the ledger, and may move a class board (the feed coalesces a busy site's
    // many into one delivery, so not asking which is cheaper than asking).
    let completed: &[Topic] = if replies.iter().any(|r| r.completion.is_some()) {
        &[Topic::Ledger, Topic::Classes]
    } else {
        &[]
    };
    changes::commit(db, tx, completed).await?;
    Ok(replies)
}

/// One learner's lease and playback while a batch is applied in memory.
struct State {
    row: LeaseRow,
    lease: Lease,
    watch: Watch,
    completed: bool,
    completed_now: Option<(usize, i64)>,
    last_now: i64,
    touched: bool,
}

/// One account's anti-idle state while a batch is applied.
struct AccountChecks {
    checks: Checks,
    last_ok_at: Option<i64>,
    dirty: bool,
    /// A lapsed check was missed at the start of this batch: say so on its first beat.
    missed: bool,
}

/// Applies a batch of beats: one read of the web sessions they came with (a beat of a session
/// no longer live counts for nothing), one of the accounts' anti-idle rows (locked: a check that
/// lapsed is missed first, its unverified time forfeited in every course) and one of every
/// lease involved, the rules in memory (in order, so two beats of one learner see each other),
/// then one write each of the anti-idle rows, the leases and the playback rows, and the ledger
/// entries of the courses completed.
async fn apply(tx: &mut Tx, jobs: &[Job]) -> Result<Vec<BeatReply>> {
    let mut ids: Vec<i64> = jobs.iter().map(|j| j.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let web = live_sessions(tx, jobs).await?;
    let mut checks = read_checks(tx, jobs, &ids).await?;
    let mut states = read_leases(tx, &ids).await?;
    let mut replies: Vec<BeatReply> = jobs
        .iter()
        .enumerate()
        .map(|(i, job)| beat_one(i, job, &web, &mut states, &mut checks))
        .collect();
    write_checks(tx, &checks).await?;
    let kept = write_leases(tx, jobs, &states, &mut replies).await?;
    write_playbacks(tx, &kept).await?;
    award_completions(tx, &kept, &mut replies).await?;
    Ok(replies)
}

/// The web sessions the beats came with, by id; touches those that are due.
async fn live_sessions(tx: &mut Tx, jobs: &[Job]) -> Result<HashMap<String, SessionRow>> {
    let mut sids: Vec<&str> = jobs.iter().map(|j| j.session_id.as_str()).collect();
    sids.sort_unstable();
    sids.dedup();
    let web: HashMap<String, SessionRow> = web_sessions::get_many(tx, &sids)
        .await?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    touch_sessions(tx, &web, jobs).await?;
    Ok(web)
}

/// The accounts' anti-idle rows (a new one for an account without); a check that lapsed before
/// the account's first beat in the batch is missed now, its unverified time forfeited.
async fn read_checks(
    tx: &mut Tx,
    jobs: &[Job],
    ids: &[i64],
) -> Result<HashMap<i64, AccountChecks>> {
    let mut first: HashMap<i64, &Job> = HashMap::with_capacity(ids.len());
    for job in jobs {
        first.entry(job.account_id).or_insert(job);
    }
    let mut checks: HashMap<i64, AccountChecks> = store::checks_of(tx, ids)
        .await?
        .into_iter()
        .map(|row| {
            let state = AccountChecks {
                checks: checks_of_row(&row),
                last_ok_at: row.last_ok_at,
                dirty: false,
                missed: false,
            };
            (row.account_id, state)
        })
        .collect();
    for (&id, job) in &first {
        let c = checks.entry(id).or_insert_with(|| AccountChecks {
            checks: Checks::new(job.now, first_check_in()),
            last_ok_at: None,
            dirty: true,
            missed: false,
        });
        if c.checks.lapsed(job.now) {
            forfeit(tx, id, job.now).await?;
            c.checks.miss(job.now, job.dice.gap_s);
            c.dirty = true;
            c.missed = true;
        }
    }
    Ok(checks)
}

/// Every lease of the accounts, with its playback, by account.
async fn read_leases(tx: &mut Tx, ids: &[i64]) -> Result<HashMap<i64, State>> {
    let mut states: HashMap<i64, State> = HashMap::with_capacity(ids.len());
    for row in store::leases_of(tx, ids).await? {
        let watch = Watch {
            watched: parse_union(row.watched.as_deref().unwrap_or(""))?,
            unverified: parse_union(row.unverified.as_deref().unwrap_or(""))?,
        };
        let lease = Lease {
            last_beat_at: row.last_beat_at,
            last_position: row.last_position,
            credit_until: row.credit_until,
        };
        states.insert(
            row.account_id,
            State {
                completed: row.completed == 1,
                row,
                lease,
                watch,
                completed_now: None,
                last_now: 0,
                touched: false,
            },
        );
    }
    Ok(states)
}

/// The rules for one beat (the `i`th of the batch), in memory.
fn beat_one(
    i: usize,
    job: &Job,
    web: &HashMap<String, SessionRow>,
    states: &mut HashMap<i64, State>,
    checks: &mut HashMap<i64, AccountChecks>,
) -> BeatReply {
    let beat = &job.beat;
    let signed_in = web
        .get(&job.session_id)
        .is_some_and(|row| row.account_id == job.account_id && sessions::may_learn(row, job.now));
    if !signed_in {
        return BeatReply::ended(BeatStatus::SignedOut);
    }
    let (Some(st), Some(acc)) = (
        states.get_mut(&job.account_id),
        checks.get_mut(&job.account_id),
    ) else {
        return BeatReply::ended(BeatStatus::Expired);
    };
    if st.row.lease_id != beat.lease_id {
        return BeatReply::ended(BeatStatus::Superseded);
    }
    let report = Report {
        position_s: beat.position_s,
        rate: beat.rate,
        paused: beat.paused,
        visible: beat.visible,
    };
    let before = acc.checks.clone();
    let outcome = rules::beat(
        &mut st.lease,
        &mut acc.checks,
        &mut st.watch,
        st.row.duration_s,
        st.completed,
        &report,
        job.now,
        &job.dice,
    );
    acc.dirty |= acc.checks != before;
    st.touched = true;
    st.last_now = st.last_now.max(job.now);
    if outcome.completed_now {
        st.completed = true;
        st.completed_now = Some((i, job.now));
    }
    let note = if std::mem::take(&mut acc.missed) {
        Some(Note::CheckMissed)
    } else {
        outcome.note
    };
    let message = match note {
        Some(note) => Some(note.message().to_string()),
        None if outcome.prompt.is_some() => Some(Note::CheckPending.message().to_string()),
        None => None,
    };
    BeatReply {
        status: BeatStatus::Ok,
        watched_s: st.watch.watched.total(),
        duration_s: st.row.duration_s,
        credited_s: outcome.credited_s,
        check: outcome.prompt.map(CheckPrompt::new),
        completion: None,
        message,
    }
}

/// One write of the anti-idle rows that changed.
async fn write_checks(tx: &mut Tx, checks: &HashMap<i64, AccountChecks>) -> Result<()> {
    let check_rows: Vec<CheckRow> = checks
        .iter()
        .filter(|(_, c)| c.dirty)
        .map(|(&id, c)| check_row(id, &c.checks, c.last_ok_at))
        .collect();
    store::update_checks(tx, &check_rows).await?;
    Ok(())
}

/// One write of the leases beaten; returns those written. A lease replaced between our read and
/// write (another node's open) was not: its beats become `Superseded` and nothing of it counts.
async fn write_leases<'s>(
    tx: &mut Tx,
    jobs: &[Job],
    states: &'s HashMap<i64, State>,
    replies: &mut [BeatReply],
) -> Result<Vec<&'s State>> {
    let touched: Vec<&State> = states.values().filter(|st| st.touched).collect();
    let lease_rows: Vec<LeaseUpdate<'_>> = touched
        .iter()
        .map(|st| LeaseUpdate {
            account_id: st.row.account_id,
            lease_id: &st.row.lease_id,
            course_id: st.row.course_id,
            last_beat_at: st.lease.last_beat_at,
            last_position: st.lease.last_position,
            credit_until: st.lease.credit_until,
        })
        .collect();
    let written: HashSet<i64> = store::update_leases(tx, &lease_rows)
        .await?
        .into_iter()
        .collect();
    for (job, reply) in jobs.iter().zip(replies.iter_mut()) {
        if reply.status == BeatStatus::Ok && !written.contains(&job.account_id) {
            *reply = BeatReply::ended(BeatStatus::Superseded);
        }
    }
    Ok(touched
        .into_iter()
        .filter(|st| written.contains(&st.row.account_id))
        .collect())
}

/// One write of the playback rows of the leases kept.
async fn write_playbacks(tx: &mut Tx, kept: &[&State]) -> Result<()> {
    let unions: Vec<(String, String)> = kept
        .iter()
        .map(|st| (st.watch.watched.format(), st.watch.unverified.format()))
        .collect();
    let playback_rows: Vec<PlaybackUpdate<'_>> = kept
        .iter()
        .zip(&unions)
        .map(|(st, (watched, unverified))| PlaybackUpdate {
            account_id: st.row.account_id,
            course_id: st.row.course_id,
            watched,
            watched_s: st.watch.watched.total(),
            position_s: st.lease.last_position,
            unverified,
            completed_at: st.completed_now.map(|(_, at)| at),
            updated_at: st.last_now,
        })
        .collect();
    store::update_playbacks(tx, &playback_rows).await?;
    Ok(())
}

/// The ledger entries of the courses completed in this batch, told on the beat that completed each.
async fn award_completions(tx: &mut Tx, kept: &[&State], replies: &mut [BeatReply]) -> Result<()> {
    for st in kept {
        let Some((job_index, at)) = st.completed_now else {
            continue;
        };
        let kind = CourseKind::from_code(&st.row.course_kind)
            .ok_or_else(|| Error::internal(format!("课程 {} 的类型无效", st.row.course_id)))?;
        let award = ledger::complete_course_tx(tx, st.row.account_id, st.row.course_id, at).await?;
        if let Some(c) = Completion::of(&award, Bucket::for_kind(kind)) {
            let reply = &mut replies[job_index];
            reply.message = Some(format!("已完成本课程，获得{} {} 学分", c.bucket, c.credits));
            reply.completion = Some(c);
        }
    }
    Ok(())
}

/// Beats count as activity: moves the idle expiry of the live sessions that are due (each at most
/// once per few minutes), in one statement.
async fn touch_sessions(
    tx: &mut Tx,
    web: &HashMap<String, SessionRow>,
    jobs: &[Job],
) -> Result<()> {
    let mut latest: HashMap<&str, i64> = HashMap::new();
    for job in jobs {
        let at = latest.entry(job.session_id.as_str()).or_insert(job.now);
        *at = (*at).max(job.now);
    }
    let due: Vec<Touch<'_>> = latest
        .into_iter()
        .filter_map(|(id, seen)| {
            let row = web.get(id).filter(|row| sessions::is_live(row, seen))?;
            let expires = sessions::touch_due(row, seen)?;
            Some(Touch { id, seen, expires })
        })
        .collect();
    web_sessions::touch_many(tx, &due).await?;
    Ok(())
}

fn learner_id(actor: &Actor) -> Result<i64> {
    actor
        .account_id
        .ok_or_else(|| Error::Forbidden("只有学员可以学习课程".into()))
}

fn parse_union(text: &str) -> Result<Union> {
    Union::parse(text).map_err(|e| Error::internal(format!("播放记录有误：{e}")))
}
