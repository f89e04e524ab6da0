//! Playback that earns credit: a learner opens a course (taking their one lease), the player sends
//! beats, and the server alone decides what was watched (rules::playback). Beats go through
//! [`Heartbeats`], a writer task that applies many beats in one transaction and answers each only
//! after that transaction committed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use rand::Rng;
use tokio::sync::{mpsc, oneshot};

use crate::rules::calendar::credit_year;
use crate::rules::credits::CourseKind;
use crate::rules::playback::{self as rules, Dice, Lease, Note, Report, Union};
use crate::rules::standing::Bucket;
use crate::store::playback::{self as store, LeaseRow, LeaseUpdate, NewLease, PlaybackUpdate};
use crate::store::web_sessions::{self, SessionRow, Touch};
use crate::store::{Backend, Db, Tx, accounts, courses, fraud};

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
}

/// Takes the learner's one lease (ending any other playback on any device/node). Learner only.
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
        .filter(|c| c.published == 1)
        .ok_or_else(|| Error::NotFound(format!("课程 {course_code}")))?;
    let playback = store::ensure(&mut tx, account_id, course.id, now).await?;
    let watched = parse_union(&playback.watched)?;
    let resume_at_s = watched
        .resume_point(playback.position_s)
        .clamp(0, course.duration_s);
    let lease_id = format!("{:032x}", rand::random::<u128>());
    let first_check =
        rand::thread_rng().gen_range(rules::FIRST_CHECK_MIN_S..=rules::CHECK_GAP_MAX_S);
    store::take_lease(
        &mut tx,
        &NewLease {
            account_id,
            lease_id: &lease_id,
            course_id: course.id,
            node,
            address: &actor.address,
            position: resume_at_s,
            next_check_at: now + first_check,
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
    })
}

#[derive(Debug, Clone, serde::Deserialize)]
pub struct Beat {
    pub lease_id: String,
    pub position_s: f64,
    pub rate: f64,
    pub paused: bool,
    pub visible: bool,
    /// The answer to an outstanding anti-idle check, if any.
    pub check_code: Option<String>,
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

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckPrompt {
    pub code: String,
    pub answer_within_s: i64,
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
        let dice = {
            let mut rng = rand::thread_rng();
            Dice {
                code: format!("{:04}", rng.gen_range(0..10_000)),
                gap_s: rng.gen_range(rules::CHECK_GAP_MIN_S..=rules::CHECK_GAP_MAX_S),
            }
        };
        let (reply, answer) = oneshot::channel();
        let job = Job {
            account_id,
            session_id: session_id.to_string(),
            beat,
            now,
            dice,
            reply,
        };
        let shard = account_id.rem_euclid(self.writers.len() as i64) as usize;
        let stopped = || Error::Internal("心跳写入任务已停止".into());
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
    tx.commit().await?;
    Ok(replies)
}

/// One learner's lease and playback while a batch is applied in memory.
struct State {
    row: LeaseRow,
    lease: Lease,
    watched: Union,
    completed: bool,
    completed_now: Option<(usize, i64)>,
    check_ok_at: Option<i64>,
    /// When this batch saw an anti-idle check go unanswered.
    missed_at: Option<i64>,
    last_now: i64,
    touched: bool,
}

/// Applies a batch of beats: one read of the web sessions they came with (a beat of a session
/// no longer live counts for nothing) and one of every lease involved, the rules in memory (in
/// order, so two beats of one learner see each other), then one write of the leases and one of
/// the playback rows, the ledger entries of the courses completed, and a fraud flag for each
/// learner who let an anti-idle check lapse.
async fn apply(tx: &mut Tx, jobs: &[Job]) -> Result<Vec<BeatReply>> {
    let mut ids: Vec<i64> = jobs.iter().map(|j| j.account_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let mut sids: Vec<&str> = jobs.iter().map(|j| j.session_id.as_str()).collect();
    sids.sort_unstable();
    sids.dedup();
    let web: HashMap<String, SessionRow> = web_sessions::get_many(tx, &sids)
        .await?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    touch_sessions(tx, &web, jobs).await?;
    let mut states: HashMap<i64, State> = HashMap::with_capacity(ids.len());
    for row in store::leases_of(tx, &ids).await? {
        let watched = parse_union(row.watched.as_deref().unwrap_or(""))?;
        let lease = Lease {
            last_beat_at: row.last_beat_at,
            last_position: row.last_position,
            check: match (&row.check_code, row.check_issued_at) {
                (Some(code), Some(issued_at)) => Some(rules::Check {
                    code: code.clone(),
                    issued_at,
                }),
                _ => None,
            },
            next_check_at: row.next_check_at,
            pending: parse_union(&row.pending)?,
        };
        states.insert(
            row.account_id,
            State {
                completed: row.completed_at.is_some(),
                row,
                lease,
                watched,
                completed_now: None,
                check_ok_at: None,
                missed_at: None,
                last_now: 0,
                touched: false,
            },
        );
    }

    let mut replies = Vec::with_capacity(jobs.len());
    for (i, job) in jobs.iter().enumerate() {
        let beat = &job.beat;
        let signed_in = web.get(&job.session_id).is_some_and(|row| {
            row.account_id == job.account_id && sessions::may_learn(row, job.now)
        });
        if !signed_in {
            replies.push(BeatReply::ended(BeatStatus::SignedOut));
            continue;
        }
        let Some(st) = states.get_mut(&job.account_id) else {
            replies.push(BeatReply::ended(BeatStatus::Expired));
            continue;
        };
        if st.row.lease_id != beat.lease_id {
            replies.push(BeatReply::ended(BeatStatus::Superseded));
            continue;
        }
        let report = Report {
            position_s: beat.position_s,
            rate: beat.rate,
            paused: beat.paused,
            visible: beat.visible,
            check_code: beat.check_code.as_deref(),
        };
        let outcome = rules::beat(
            &mut st.lease,
            &mut st.watched,
            st.row.duration_s,
            st.completed,
            &report,
            job.now,
            &job.dice,
        );
        st.touched = true;
        st.last_now = st.last_now.max(job.now);
        match outcome.note {
            Some(Note::CheckPassed) => st.check_ok_at = Some(job.now),
            Some(Note::CheckMissed) => st.missed_at = Some(job.now),
            _ => {}
        }
        if outcome.completed_now {
            st.completed = true;
            st.completed_now = Some((i, job.now));
        }
        let message = match outcome.note {
            Some(note) => Some(note.message().to_string()),
            None if outcome.prompt.is_some() => Some(Note::CheckPending.message().to_string()),
            None => None,
        };
        replies.push(BeatReply {
            status: BeatStatus::Ok,
            watched_s: st.watched.total(),
            duration_s: st.row.duration_s,
            credited_s: outcome.credited_s,
            check: outcome.prompt.map(|(code, left)| CheckPrompt {
                code,
                answer_within_s: left,
            }),
            completion: None,
            message,
        });
    }

    let touched: Vec<&State> = states.values().filter(|st| st.touched).collect();
    let pendings: Vec<String> = touched.iter().map(|st| st.lease.pending.format()).collect();
    let lease_rows: Vec<LeaseUpdate<'_>> = touched
        .iter()
        .zip(&pendings)
        .map(|(st, pending)| {
            let check = st.lease.check.as_ref();
            LeaseUpdate {
                account_id: st.row.account_id,
                lease_id: &st.row.lease_id,
                course_id: st.row.course_id,
                last_beat_at: st.lease.last_beat_at,
                last_position: st.lease.last_position,
                check_code: check.map(|c| c.code.as_str()),
                check_issued_at: check.map(|c| c.issued_at),
                check_ok_at: st.check_ok_at,
                next_check_at: st.lease.next_check_at,
                pending,
            }
        })
        .collect();
    let written: HashSet<i64> = store::update_leases(tx, &lease_rows)
        .await?
        .into_iter()
        .collect();
    // A lease replaced between our read and write (another node's open): nothing of it counts.
    for (job, reply) in jobs.iter().zip(replies.iter_mut()) {
        if reply.status == BeatStatus::Ok && !written.contains(&job.account_id) {
            *reply = BeatReply::ended(BeatStatus::Superseded);
        }
    }
    let kept: Vec<&&State> = touched
        .iter()
        .filter(|st| written.contains(&st.row.account_id))
        .collect();
    let unions: Vec<String> = kept.iter().map(|st| st.watched.format()).collect();
    let playback_rows: Vec<PlaybackUpdate<'_>> = kept
        .iter()
        .zip(&unions)
        .map(|(st, watched)| PlaybackUpdate {
            account_id: st.row.account_id,
            course_id: st.row.course_id,
            watched,
            watched_s: st.watched.total(),
            position_s: st.lease.last_position,
            completed_at: st.completed_now.map(|(_, at)| at),
            updated_at: st.last_now,
        })
        .collect();
    store::update_playbacks(tx, &playback_rows).await?;

    for st in &kept {
        if let Some(at) = st.missed_at {
            let detail = format!(
                "未在 {} 秒内完成防挂机验证（最近一次：课程 {}）",
                rules::CHECK_ANSWER_S,
                st.row.course_code
            );
            fraud::note_failed_check(tx, st.row.account_id, credit_year(at), &detail, at).await?;
        }
    }
    for st in kept {
        let Some((job_index, at)) = st.completed_now else {
            continue;
        };
        let kind = CourseKind::from_code(&st.row.course_kind)
            .ok_or_else(|| Error::Internal(format!("课程 {} 的类型无效", st.row.course_id)))?;
        let award = ledger::complete_course_tx(tx, st.row.account_id, st.row.course_id, at).await?;
        if let Some(c) = Completion::of(&award, Bucket::for_kind(kind)) {
            let reply = &mut replies[job_index];
            reply.message = Some(format!("已完成本课程，获得{} {} 学分", c.bucket, c.credits));
            reply.completion = Some(c);
        }
    }
    Ok(replies)
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
    Union::parse(text).map_err(|e| Error::Internal(format!("播放记录有误：{e}")))
}
