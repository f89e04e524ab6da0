//! Playback that earns credit: a learner opens a course (taking their one lease), the player sends
//! beats, and the server alone decides what was watched (rules::playback). Beats go through
//! [`Heartbeats`], a writer task that applies many beats in one transaction and answers each only
//! after that transaction committed.

use std::sync::Arc;

use rand::Rng;
use tokio::sync::{mpsc, oneshot};

use crate::rules::credits::CourseKind;
use crate::rules::playback::{self as rules, Dice, Lease, Note, Report, Union};
use crate::rules::standing::Bucket;
use crate::store::playback::{self as store, LeaseUpdate, NewLease, PlaybackUpdate};
use crate::store::{Backend, Db, Tx, accounts, courses};

use super::ledger::{self, Award};
use super::{Actor, Error, Result};

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
#[derive(Clone)]
pub struct Heartbeats {
    writers: Arc<[mpsc::Sender<Job>]>,
}

impl Heartbeats {
    pub fn spawn(db: Db) -> Heartbeats {
        let n = match db.backend() {
            Backend::Sqlite => 1,
            Backend::Postgres => 12,
        };
        let writers: Vec<mpsc::Sender<Job>> = (0..n)
            .map(|_| {
                let (tx, rx) = mpsc::channel(BATCH * 16);
                tokio::spawn(write_loop(db.clone(), rx));
                tx
            })
            .collect();
        Heartbeats {
            writers: writers.into(),
        }
    }

    pub async fn beat(&self, actor: &Actor, beat: Beat, now: i64) -> Result<BeatReply> {
        let account_id = learner_id(actor)?;
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
    let mut replies = Vec::with_capacity(jobs.len());
    for job in jobs {
        replies.push(apply(&mut tx, job).await?);
    }
    tx.commit().await?;
    Ok(replies)
}

async fn apply(tx: &mut Tx, job: &Job) -> Result<BeatReply> {
    let beat = &job.beat;
    let now = job.now;
    let Some(row) = store::lease_of(tx, job.account_id).await? else {
        return Ok(BeatReply::ended(BeatStatus::Expired));
    };
    if row.lease_id != beat.lease_id {
        return Ok(BeatReply::ended(BeatStatus::Superseded));
    }
    let mut watched = parse_union(row.watched.as_deref().unwrap_or(""))?;
    let mut lease = Lease {
        last_beat_at: row.last_beat_at,
        last_position: row.last_position,
        check: match (row.check_code, row.check_issued_at) {
            (Some(code), Some(issued_at)) => Some(rules::Check { code, issued_at }),
            _ => None,
        },
        next_check_at: row.next_check_at,
        pending: parse_union(&row.pending)?,
    };
    let report = Report {
        position_s: beat.position_s,
        rate: beat.rate,
        paused: beat.paused,
        visible: beat.visible,
        check_code: beat.check_code.as_deref(),
    };
    let already = row.completed_at.is_some();
    let outcome = rules::beat(
        &mut lease,
        &mut watched,
        row.duration_s,
        already,
        &report,
        now,
        &job.dice,
    );
    let check = lease.check.as_ref();
    let pending = lease.pending.format();
    let written = store::update_lease(
        tx,
        &LeaseUpdate {
            account_id: job.account_id,
            lease_id: &row.lease_id,
            last_beat_at: lease.last_beat_at,
            last_position: lease.last_position,
            check_code: check.map(|c| c.code.as_str()),
            check_issued_at: check.map(|c| c.issued_at),
            check_ok_at: (outcome.note == Some(Note::CheckPassed)).then_some(now),
            next_check_at: lease.next_check_at,
            pending: &pending,
        },
    )
    .await?;
    if !written {
        return Ok(BeatReply::ended(BeatStatus::Superseded));
    }
    store::update_playback(
        tx,
        &PlaybackUpdate {
            account_id: job.account_id,
            course_id: row.course_id,
            watched: &watched.format(),
            watched_s: watched.total(),
            position_s: lease.last_position,
            completed_at: outcome.completed_now.then_some(now),
        },
        now,
    )
    .await?;
    let mut completion = None;
    if outcome.completed_now {
        let kind = CourseKind::from_code(&row.course_kind)
            .ok_or_else(|| Error::Internal(format!("课程 {} 的类型无效", row.course_id)))?;
        let award = ledger::complete_course_tx(tx, job.account_id, row.course_id, now).await?;
        completion = Completion::of(&award, Bucket::for_kind(kind));
    }
    let message = match (&completion, outcome.note) {
        (Some(c), _) => Some(format!("已完成本课程，获得{} {} 学分", c.bucket, c.credits)),
        (None, Some(note)) => Some(note.message().to_string()),
        (None, None) if outcome.prompt.is_some() => Some(Note::CheckPending.message().to_string()),
        (None, None) => None,
    };
    Ok(BeatReply {
        status: BeatStatus::Ok,
        watched_s: watched.total(),
        duration_s: row.duration_s,
        credited_s: outcome.credited_s,
        check: outcome.prompt.map(|(code, left)| CheckPrompt {
            code,
            answer_within_s: left,
        }),
        completion,
        message,
    })
}

fn learner_id(actor: &Actor) -> Result<i64> {
    actor
        .account_id
        .ok_or_else(|| Error::Forbidden("只有学员可以学习课程".into()))
}

fn parse_union(text: &str) -> Result<Union> {
    Union::parse(text).map_err(|e| Error::Internal(format!("播放记录有误：{e}")))
}
