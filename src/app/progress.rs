//! A learner's course progress (the playback table), for staff whose scope covers the learner.

use crate::store::{Db, accounts, playback};

use super::{Actor, Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseProgress {
    pub course_code: String,
    pub title: String,
    pub duration_s: i64,
    pub watched_s: i64,
    pub completed_at: Option<i64>,
}

impl CourseProgress {
    /// Watched share in whole percent, capped at 100.
    pub fn percent(&self) -> u32 {
        if self.duration_s <= 0 {
            return 0;
        }
        let p = (self.watched_s.max(0) * 100 / self.duration_s).min(100);
        u32::try_from(p).unwrap_or(0)
    }
}

pub async fn of(db: &Db, actor: &Actor, username: &str) -> Result<Vec<CourseProgress>> {
    let account = accounts::by_username(db.reader(), username)
        .await?
        .ok_or_else(|| Error::NotFound(format!("学员 {username}")))?;
    actor.require_self_or_covers(db, &account).await?;
    Ok(playback::progress_of(db.reader(), account.id)
        .await?
        .into_iter()
        .map(|r| CourseProgress {
            course_code: r.course_code,
            title: r.title,
            duration_s: r.duration_s,
            watched_s: r.watched_s,
            completed_at: r.completed_at,
        })
        .collect())
}
