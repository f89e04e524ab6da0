//! The interface's data requests and their answers. `execute` runs one request through `app/`
//! (which checks the actor's scope); the session runs it outside the interface and sends the
//! answer back as `Event::Data`.

use crate::app::accounts::{self, Account, Detail, HistoryEntry};
use crate::app::actor::RoleKind;
use crate::app::archive::{self, Archive};
use crate::app::catalog::{self, CourseInfo, Filter};
use crate::app::classes::{
    self as app_classes, Board, BoardQuery, ClassDetail, ClassForm, ClassPatch, ClassSummary,
    MemberLine,
};
use crate::app::courses::{self, CoursePatch};
use crate::app::exams::{self, ExamSettings, StaffExam};
use crate::app::population::{self, ChangeLine, Request as ExemptionRequest};
use crate::app::progress::{self, CourseProgress};
use crate::app::roster::{Page, Query};
use crate::app::submission::{self, Decision, Progress, Row as SubmissionRow, Submission};
use crate::app::unit_tree::{self, UnitInfo};
use crate::app::units::{Tally, UnitLine};
use crate::app::years::{self, YearChange, YearView};
use crate::app::{Actor, credentials, standings};
use crate::rules::Tenths;
use crate::rules::catalog::CourseStatus;
use crate::rules::course_feed::CourseDraft;
use crate::rules::standing::{Standing, Targets};
use crate::store::Db;

mod classes;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// The dashboard of a unit (None: the actor's own scope) for a year.
    Dashboard {
        year: i32,
        unit_code: Option<String>,
    },
    Roster(Query),
    /// One cadre's profile, standing, archive and course progress.
    Cadre {
        username: String,
        year: i32,
    },
    Catalog(Filter),
    /// The roster submissions the actor may see.
    Submissions,
    /// One submission with its rows.
    Submission(i64),
    /// A step on a submission; answered with `DataMsg::SubmissionDone`.
    SubmissionOp {
        id: i64,
        op: SubmissionOp,
    },
    /// The actor changes their own password; answered with `DataMsg::PasswordChanged`.
    ChangePassword {
        old: Secret,
        new: Secret,
    },
    /// Accounts in scope matching a text.
    Accounts(String),
    /// One account with its recent history.
    Account(String),
    /// A change to an account; answered with `DataMsg::AccountDone`.
    AccountOp {
        username: String,
        op: AccountOp,
    },
    /// Pending exemption requests and the year's population changes (the office).
    Population(i32),
    /// The office decides an exemption request; answered with `DataMsg::ExemptionDone`.
    ExemptionOp(ExemptionOp),
    /// The unit tree of the actor's scope, retired units included.
    Units,
    /// A change to the unit tree; answered with `DataMsg::UnitDone`.
    UnitOp(UnitOp),
    /// The settings in force for a year.
    Year(i32),
    /// The office sets a year's settings; answered with `DataMsg::YearDone`.
    YearSet {
        year: i32,
        change: YearChange,
    },
    /// A catalogue change; answered with `DataMsg::CourseDone`.
    CourseOp(CourseOp),
    /// What the course form shows of a course beyond its list row.
    CourseFacts(String),
    /// The unit an account would be moved to, typed as a code or a unique name.
    MoveTarget {
        username: String,
        unit: String,
    },
    /// The classes in the actor's scope.
    Classes,
    /// One class in full (for its form).
    Class(i64),
    /// A page of a class's board.
    Board {
        id: i64,
        query: BoardQuery,
    },
    /// A member's archive opened from a board (answered to the 培训班 tab).
    ClassCadre {
        username: String,
        year: i32,
    },
    /// Published courses matching a text, for a class's course picker.
    ClassCatalog(String),
    /// Learners in scope matching a text, to add one to a class.
    ClassPeople(String),
    /// The unit typed to add its learners to a class, resolved.
    ClassUnit {
        id: i64,
        unit: String,
    },
    /// How each line of a member list would fare (nothing is changed).
    ClassPreview {
        id: i64,
        lines: Vec<String>,
    },
    /// A change to a class; answered with `DataMsg::ClassDone`.
    ClassOp(ClassOp),
    /// My notices (first page) and, for those who may send, the notices sent.
    Notices,
    /// Opens one of my notices (marks it read).
    NoticeOpen(i64),
    /// Read receipts of a notice per unit.
    NoticeReceipts(i64),
    /// Sending, a reminder or the quarterly notices; answered with `DataMsg::NoticeDone`.
    NoticeOp(NoticeOp),
}

/// A change from the 培训班 tab, through `app::classes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClassOp {
    /// A new class (a draft) and the courses picked for it.
    Create {
        form: ClassForm,
        courses: Vec<String>,
    },
    /// The fields changed, and the courses added and removed.
    Edit {
        id: i64,
        patch: ClassPatch,
        add: Vec<String>,
        remove: Vec<String>,
    },
    Open(i64),
    Close(i64),
    /// The assessed learners of a unit (its code, as resolved).
    AddUnit {
        id: i64,
        unit: String,
    },
    /// Learners by username or ID number.
    AddMembers {
        id: i64,
        lines: Vec<String>,
    },
    Remove {
        id: i64,
        username: String,
        reason: String,
    },
}

/// What a class change did: a sentence, and lines to show in full (who was already there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassOutcome {
    pub text: String,
    pub report: Vec<String>,
}

/// A notice written from the 通知 tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoticeOp {
    Send {
        to: Vec<String>,
        title: String,
        body: String,
    },
    Remind {
        id: i64,
        behind: bool,
    },
    Quarterly {
        year: i32,
        quarter: u8,
    },
}

/// What the 通知 tab lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticesView {
    pub received: Vec<crate::app::notices::Notice>,
    pub unread: i64,
    /// None: the actor may not send.
    pub sent: Option<Vec<crate::app::notices::Sent>>,
}

/// A change to the unit tree (codes; a parent by code or unique name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnitOp {
    Add {
        code: String,
        name: String,
        parent: String,
    },
    Rename {
        code: String,
        name: String,
    },
    Move {
        code: String,
        parent: String,
    },
    Retire(String),
}

/// A catalogue change from the 课程 tab, through `app::courses`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CourseOp {
    /// A new course (a draft) with the reason for its designated credits.
    Add(CourseDraft, String),
    /// The course's fields as the form holds them; an empty reason keeps the stored one. The
    /// exam's settings when the course has an exam; leave to change the credits of a course
    /// somebody completed, given after a y/n that said credits earned stay as earned.
    Edit {
        draft: CourseDraft,
        reason: String,
        exam: Option<ExamSettings>,
        allow_credit_change: bool,
    },
    Publish(String),
    Retire(String),
}

/// How many completed a course and its exam, for the course form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseFacts {
    pub completions: i64,
    pub exam: Option<StaffExam>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExemptionOp {
    Approve(i64),
    /// The request and the reason for refusing it.
    Refuse(i64, String),
}

/// What the 参评变动 view shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Population {
    pub year: i32,
    pub requests: Vec<ExemptionRequest>,
    pub changes: Vec<ChangeLine>,
}

/// A change to an account, with the reason where the use-case records one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountOp {
    Disable(String),
    Enable(String),
    /// Lift the sign-in lock, with the reason.
    Unlock(String),
    ResetPassword(String),
    /// Some(reason) marks exempt, None clears the mark.
    Exempt(Option<String>),
    /// To the unit `move_target` resolved (its code, and its name for the question).
    Move {
        unit_code: String,
        unit_name: String,
        reason: String,
    },
    Batch(i64),
    /// A staff role with its unit (None: the city, for office and college).
    GrantRole {
        role: RoleKind,
        unit_code: Option<String>,
    },
    RevokeRole {
        role: RoleKind,
        unit_code: Option<String>,
    },
    /// An OpenSSH public key line, with the fingerprint shown when asking.
    AddKey {
        line: String,
        fingerprint: String,
    },
    /// A key by its SHA-256 fingerprint.
    RemoveKey(String),
}

/// What an account change did: a sentence, and the new password after a reset (shown once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountOutcome {
    pub text: String,
    pub password: Option<Secret>,
}

/// A password on its way to `app::credentials`: compared and cloned like a string, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmissionOp {
    Accept(Vec<(i64, i64)>),
    Reject(Vec<(i64, i64)>, String),
    Pass,
    Approve(Progress),
    Return(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dashboard {
    pub year: i32,
    pub scope_code: String,
    pub scope_name: String,
    pub overall: Tally,
    pub lines: Vec<UnitLine>,
    /// (start of week, credits earned) for the sparkline.
    pub weekly: Vec<(i64, Tenths)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cadre {
    pub year: i32,
    pub archive: Archive,
    pub standing: Standing,
    pub targets: Targets,
    pub progress: Vec<CourseProgress>,
}

/// An answer, carrying its request so a stale answer (the user moved on) can be told apart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataMsg {
    Notices {
        result: Result<NoticesView, String>,
    },
    NoticeOpened {
        result: Result<crate::app::notices::Notice, String>,
    },
    NoticeReceipts {
        result: Result<crate::app::notices::Receipts, String>,
    },
    NoticeDone {
        result: Result<String, String>,
    },
    Dashboard {
        year: i32,
        unit_code: Option<String>,
        result: Result<Dashboard, String>,
    },
    Roster {
        query: Query,
        result: Result<Page, String>,
    },
    Cadre {
        username: String,
        result: Result<Cadre, String>,
    },
    Catalog {
        filter: Filter,
        result: Result<Vec<CourseInfo>, String>,
    },
    Submissions {
        result: Result<Vec<Submission>, String>,
    },
    Submission {
        id: i64,
        result: Result<(Submission, Vec<SubmissionRow>), String>,
    },
    /// What a step did, in a sentence, or why it failed.
    SubmissionDone {
        id: i64,
        result: Result<String, String>,
    },
    PasswordChanged {
        result: Result<(), String>,
    },
    Accounts {
        text: String,
        result: Result<Vec<Account>, String>,
    },
    Account {
        username: String,
        result: Result<(Detail, Vec<HistoryEntry>), String>,
    },
    AccountDone {
        username: String,
        result: Result<AccountOutcome, String>,
    },
    Population {
        year: i32,
        result: Result<Population, String>,
    },
    ExemptionDone {
        result: Result<String, String>,
    },
    Units {
        result: Result<Vec<UnitInfo>, String>,
    },
    UnitDone {
        result: Result<String, String>,
    },
    Year {
        year: i32,
        result: Result<YearView, String>,
    },
    YearDone {
        year: i32,
        result: Result<String, String>,
    },
    /// What a catalogue change did, in a sentence, or why it was refused.
    CourseDone {
        result: Result<String, String>,
    },
    CourseFacts {
        code: String,
        result: Result<CourseFacts, String>,
    },
    /// The unit typed on the move prompt, resolved: (code, name).
    MoveTarget {
        username: String,
        unit: String,
        result: Result<(String, String), String>,
    },
    Classes {
        result: Result<Vec<ClassSummary>, String>,
    },
    Class {
        id: i64,
        result: Result<ClassDetail, String>,
    },
    Board {
        id: i64,
        query: BoardQuery,
        result: Result<Board, String>,
    },
    ClassCadre {
        username: String,
        result: Result<Cadre, String>,
    },
    ClassCatalog {
        text: String,
        result: Result<Vec<CourseInfo>, String>,
    },
    ClassPeople {
        text: String,
        result: Result<Vec<Account>, String>,
    },
    /// The unit typed for a class, resolved: (code, name).
    ClassUnit {
        id: i64,
        unit: String,
        result: Result<(String, String), String>,
    },
    ClassDone {
        result: Result<ClassOutcome, String>,
    },
    ClassPreview {
        id: i64,
        lines: Vec<String>,
        result: Result<Vec<MemberLine>, String>,
    },
}

/// An answer with when its data was read (unix seconds), stamped here, where it is produced, so
/// the header shows the read time without the interface reading a clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub msg: DataMsg,
    pub read_at: i64,
}

/// Runs `req` as `execute` does, stamped with the time the reading began.
pub async fn answer(db: &Db, actor: &Actor, req: Request) -> Answer {
    let read_at = crate::app::now();
    Answer {
        msg: execute(db, actor, req).await,
        read_at,
    }
}

/// How many history entries the account screen shows.
pub const ACCOUNT_HISTORY: i64 = 30;

pub async fn execute(db: &Db, actor: &Actor, req: Request) -> DataMsg {
    match req {
        Request::Dashboard { year, unit_code } => {
            let result = dashboard(db, actor, year, unit_code.as_deref())
                .await
                .map_err(|e| e.to_string());
            DataMsg::Dashboard {
                year,
                unit_code,
                result,
            }
        }
        Request::Roster(query) => {
            // Shared by every session asking the same question of the same scope.
            let result = crate::app::aggregates::roster_page(db, actor, &query)
                .await
                .map(|page| Page::clone(&page))
                .map_err(|e| e.to_string());
            DataMsg::Roster { query, result }
        }
        Request::Cadre { username, year } => {
            let result = cadre(db, actor, &username, year)
                .await
                .map_err(|e| e.to_string());
            DataMsg::Cadre { username, result }
        }
        Request::Catalog(filter) => {
            let result = catalog::list(db, &filter).await.map_err(|e| e.to_string());
            DataMsg::Catalog { filter, result }
        }
        Request::Submissions => DataMsg::Submissions {
            result: submission::list(db, actor).await.map_err(|e| e.to_string()),
        },
        Request::Submission(id) => DataMsg::Submission {
            id,
            result: submission::show(db, actor, id)
                .await
                .map_err(|e| e.to_string()),
        },
        Request::SubmissionOp { id, op } => DataMsg::SubmissionDone {
            id,
            result: submission_op(db, actor, id, op)
                .await
                .map_err(|e| e.to_string()),
        },
        Request::ChangePassword { old, new } => DataMsg::PasswordChanged {
            result: credentials::change_password(db, actor, &old.0, &new.0, crate::app::now())
                .await
                .map_err(|e| e.to_string()),
        },
        Request::Accounts(text) => DataMsg::Accounts {
            result: accounts::find(db, actor, &text, accounts::FIND_LIMIT)
                .await
                .map_err(|e| e.to_string()),
            text,
        },
        Request::Account(username) => DataMsg::Account {
            result: account(db, actor, &username)
                .await
                .map_err(|e| e.to_string()),
            username,
        },
        Request::Population(year) => DataMsg::Population {
            year,
            result: population_view(db, actor, year)
                .await
                .map_err(|e| e.to_string()),
        },
        Request::ExemptionOp(op) => DataMsg::ExemptionDone {
            result: exemption_op(db, actor, op).await.map_err(|e| e.to_string()),
        },
        Request::Units => DataMsg::Units {
            result: unit_tree::tree(db, actor).await.map_err(|e| e.to_string()),
        },
        Request::UnitOp(op) => DataMsg::UnitDone {
            result: unit_op(db, actor, op).await.map_err(|e| e.to_string()),
        },
        Request::Year(year) => DataMsg::Year {
            year,
            result: years::show(db, actor, year)
                .await
                .map_err(|e| e.to_string()),
        },
        Request::YearSet { year, change } => DataMsg::YearDone {
            year,
            result: years::set(db, actor, year, &change, crate::app::now())
                .await
                .map(|_| format!("{year} 年度设置已保存"))
                .map_err(|e| e.to_string()),
        },
        Request::Notices => DataMsg::Notices {
            result: notices_view(db, actor).await.map_err(|e| e.to_string()),
        },
        Request::NoticeOpen(id) => DataMsg::NoticeOpened {
            result: crate::app::notices::open(db, actor, id, crate::app::now())
                .await
                .map_err(|e| e.to_string()),
        },
        Request::NoticeReceipts(id) => DataMsg::NoticeReceipts {
            result: crate::app::notices::receipts(db, actor, id)
                .await
                .map_err(|e| e.to_string()),
        },
        Request::NoticeOp(op) => DataMsg::NoticeDone {
            result: notice_op(db, actor, op).await.map_err(|e| e.to_string()),
        },
        Request::CourseOp(op) => DataMsg::CourseDone {
            result: course_op(db, actor, op).await.map_err(|e| e.to_string()),
        },
        Request::MoveTarget { username, unit } => DataMsg::MoveTarget {
            result: accounts::move_target(db, actor, &username, &unit)
                .await
                .map(|u| (u.code.as_str().to_string(), u.name))
                .map_err(|e| e.to_string()),
            username,
            unit,
        },
        Request::Classes => DataMsg::Classes {
            result: app_classes::list(db, actor)
                .await
                .map_err(|e| e.to_string()),
        },
        Request::Class(id) => DataMsg::Class {
            id,
            result: app_classes::show(db, actor, id)
                .await
                .map_err(|e| e.to_string()),
        },
        Request::Board { id, query } => DataMsg::Board {
            id,
            query,
            result: app_classes::board(db, actor, id, &query)
                .await
                .map_err(|e| e.to_string()),
        },
        Request::ClassCadre { username, year } => DataMsg::ClassCadre {
            result: cadre(db, actor, &username, year)
                .await
                .map_err(|e| e.to_string()),
            username,
        },
        Request::ClassCatalog(text) => classes::catalog(db, text).await,
        Request::ClassPeople(text) => classes::people(db, actor, text).await,
        Request::ClassUnit { id, unit } => classes::unit(db, actor, id, unit).await,
        Request::ClassPreview { id, lines } => DataMsg::ClassPreview {
            result: app_classes::preview_members(db, actor, id, &lines)
                .await
                .map_err(|e| e.to_string()),
            id,
            lines,
        },
        Request::ClassOp(op) => DataMsg::ClassDone {
            result: classes::op(db, actor, op).await.map_err(|e| e.to_string()),
        },
        Request::CourseFacts(code) => DataMsg::CourseFacts {
            result: course_facts(db, actor, &code)
                .await
                .map_err(|e| e.to_string()),
            code,
        },
        Request::AccountOp { username, op } => DataMsg::AccountDone {
            result: account_op(db, actor, &username, op)
                .await
                .map_err(|e| e.to_string()),
            username,
        },
    }
}

async fn account(
    db: &Db,
    actor: &Actor,
    username: &str,
) -> crate::app::Result<(Detail, Vec<HistoryEntry>)> {
    let detail = accounts::show(db, actor, username).await?;
    let history = accounts::history(db, actor, username, ACCOUNT_HISTORY).await?;
    Ok((detail, history))
}

async fn population_view(db: &Db, actor: &Actor, year: i32) -> crate::app::Result<Population> {
    Ok(Population {
        year,
        requests: population::requests(db, actor, None, true).await?,
        changes: population::changes(db, actor, year).await?,
    })
}

async fn unit_op(db: &Db, actor: &Actor, op: UnitOp) -> crate::app::Result<String> {
    let now = crate::app::now();
    Ok(match op {
        UnitOp::Add { code, name, parent } => {
            unit_tree::add(db, actor, &code, &name, &parent, now).await?;
            format!("已新增单位 {code} {name}")
        }
        UnitOp::Rename { code, name } => {
            unit_tree::rename(db, actor, &code, &name, now).await?;
            format!("单位 {code} 已改名为 {name}")
        }
        UnitOp::Move { code, parent } => {
            let done = unit_tree::move_unit(db, actor, &code, &parent, now).await?;
            match done.moved.first() {
                Some((_, _, to)) => format!("单位 {code} 已调至 {to} 之下"),
                None => format!("单位 {code} 的上级未变"),
            }
        }
        UnitOp::Retire(code) => {
            let r = unit_tree::retire(db, actor, &code, now).await?;
            format!(
                "已撤销 {} {}（连同下级共 {} 个单位）",
                r.code, r.name, r.units
            )
        }
    })
}

async fn exemption_op(db: &Db, actor: &Actor, op: ExemptionOp) -> crate::app::Result<String> {
    let now = crate::app::now();
    Ok(match op {
        ExemptionOp::Approve(id) => {
            let r = population::approve(db, actor, id, now).await?;
            format!(
                "已批准免考核申请 {id}：账号 {} 自即日起免于考核",
                r.username
            )
        }
        ExemptionOp::Refuse(id, reason) => {
            let r = population::refuse(db, actor, id, &reason, now).await?;
            format!("已不批准免考核申请 {id}（账号 {}）", r.username)
        }
    })
}

async fn course_op(db: &Db, actor: &Actor, op: CourseOp) -> crate::app::Result<String> {
    let now = crate::app::now();
    let given = |r: &str| (!r.is_empty()).then(|| r.to_string());
    Ok(match op {
        CourseOp::Add(draft, reason) => {
            let credit = courses::add(db, actor, &draft, given(&reason).as_deref(), now).await?;
            format!(
                "已新增课程 {}（草稿，{} 学分），发布后学员可见",
                draft.code, credit.tenths
            )
        }
        CourseOp::Edit {
            draft,
            reason,
            exam,
            allow_credit_change,
        } => {
            let patch = CoursePatch {
                title: Some(draft.title),
                category: Some(draft.category.code().into()),
                kind: Some(draft.kind.code().into()),
                source: Some(draft.source.code().into()),
                duration_s: Some(draft.duration_s.to_string()),
                designated: Some(draft.designated.map(|d| d.to_string())),
                reason: given(&reason),
            };
            let code = &draft.code;
            let e = courses::edit_with_exam(
                db,
                actor,
                code,
                &patch,
                exam.as_ref(),
                allow_credit_change,
                now,
            )
            .await?;
            let mut text = if e.before.tenths == e.after.tenths {
                format!("已修改课程 {code}：学分 {} 不变", e.after.tenths)
            } else {
                format!(
                    "已修改课程 {code}：学分 {} → {}",
                    e.before.tenths, e.after.tenths
                )
            };
            if e.completions > 0 && e.before != e.after {
                text.push_str(&format!("（已完成的 {} 人学分不变）", e.completions));
            }
            if e.exam_changed {
                text.push_str("；考试设置已更新");
            }
            text
        }
        CourseOp::Publish(code) => {
            courses::set_status(db, actor, &code, CourseStatus::Published, now).await?;
            format!("课程 {code} 已发布，学员可见")
        }
        CourseOp::Retire(code) => {
            courses::set_status(db, actor, &code, CourseStatus::Retired, now).await?;
            format!("课程 {code} 已停用，已获学分不受影响")
        }
    })
}

async fn course_facts(db: &Db, actor: &Actor, code: &str) -> crate::app::Result<CourseFacts> {
    let detail = courses::show(db, actor, code).await?;
    Ok(CourseFacts {
        completions: detail.completions,
        exam: exams::of_course(db, actor, code).await?,
    })
}

async fn account_op(
    db: &Db,
    actor: &Actor,
    username: &str,
    op: AccountOp,
) -> crate::app::Result<AccountOutcome> {
    let now = crate::app::now();
    let mut password = None;
    let text = match op {
        AccountOp::Disable(reason) => {
            accounts::set_enabled(db, actor, username, false, &reason, now).await?;
            format!("账号 {username} 已停用")
        }
        AccountOp::Enable(reason) => {
            accounts::set_enabled(db, actor, username, true, &reason, now).await?;
            format!("账号 {username} 已启用")
        }
        AccountOp::Unlock(reason) => {
            crate::app::auth::unlock(db, actor, username, &reason, now).await?;
            format!("账号 {username} 已解除登录锁定")
        }
        AccountOp::ResetPassword(reason) => {
            let new = credentials::reset_password(db, actor, username, &reason, now).await?;
            password = Some(Secret(new));
            format!("账号 {username} 的密码已重置，须在下次登录后修改")
        }
        AccountOp::Exempt(Some(reason)) => {
            match accounts::set_exempt(db, actor, username, Some(&reason), now).await? {
                accounts::Exemption::Requested(id) => {
                    format!("已提交免考核申请 {id}，待市在线学习办批准")
                }
                accounts::Exemption::Exempted | accounts::Exemption::Cleared => {
                    format!("账号 {username} 已标记为免考核")
                }
            }
        }
        AccountOp::Exempt(None) => {
            accounts::set_exempt(db, actor, username, None, now).await?;
            format!("账号 {username} 已取消免考核")
        }
        AccountOp::Move {
            unit_code, reason, ..
        } => {
            let unit = accounts::move_unit(db, actor, username, &unit_code, &reason, now).await?;
            format!("账号 {username} 已调至 {} {}", unit.code, unit.name)
        }
        AccountOp::Batch(batch) => {
            accounts::set_batch(db, actor, username, batch, now).await?;
            format!("账号 {username} 已调为第 {batch} 批")
        }
        AccountOp::GrantRole { role, unit_code } => {
            let unit =
                accounts::grant_role(db, actor, username, role, unit_code.as_deref(), now).await?;
            format!(
                "已授予账号 {username} 角色：{}（{}）",
                role.label(),
                unit.name
            )
        }
        AccountOp::RevokeRole { role, unit_code } => {
            let unit =
                accounts::revoke_role(db, actor, username, role, unit_code.as_deref(), now).await?;
            format!(
                "已撤销账号 {username} 的角色：{}（{}）",
                role.label(),
                unit.name
            )
        }
        AccountOp::AddKey { line, .. } => {
            let fingerprint = credentials::add_key(db, actor, username, &line, now).await?;
            format!("已为账号 {username} 添加公钥 {fingerprint}")
        }
        AccountOp::RemoveKey(fingerprint) => {
            credentials::remove_key(db, actor, username, &fingerprint, now).await?;
            format!("已删除账号 {username} 的公钥 {fingerprint}")
        }
    };
    Ok(AccountOutcome { text, password })
}

async fn submission_op(
    db: &Db,
    actor: &Actor,
    id: i64,
    op: SubmissionOp,
) -> crate::app::Result<String> {
    let now = crate::app::now();
    Ok(match op {
        SubmissionOp::Accept(rows) => {
            let n = submission::review(db, actor, id, &rows, &Decision::Accept, now).await?;
            format!("已通过 {n} 行")
        }
        SubmissionOp::Reject(rows, reason) => {
            let n =
                submission::review(db, actor, id, &rows, &Decision::Reject { reason }, now).await?;
            format!("已不通过 {n} 行")
        }
        SubmissionOp::Pass => {
            submission::pass(db, actor, id, now).await?;
            format!("名单 {id} 已报送市在线学习办审批")
        }
        SubmissionOp::Approve(progress) => {
            let issued = submission::approve(db, actor, id, &progress, now).await?;
            format!("名单 {id} 已批准，发放账号 {} 个", issued.accounts)
        }
        SubmissionOp::Return(reason) => {
            submission::send_back(db, actor, id, &reason, now).await?;
            format!("名单 {id} 已退回")
        }
    })
}

async fn dashboard(
    db: &Db,
    actor: &Actor,
    year: i32,
    unit_code: Option<&str>,
) -> crate::app::Result<Dashboard> {
    // Shared by every session asking for the same scope and year.
    let shared = crate::app::aggregates::dashboard(db, actor, year, unit_code).await?;
    let report = &shared.report;
    Ok(Dashboard {
        year,
        scope_code: report.scope.code.clone().into(),
        scope_name: report.scope.name.clone(),
        overall: report.overall.clone(),
        lines: report.lines.clone(),
        weekly: shared.weekly.clone(),
    })
}

async fn cadre(db: &Db, actor: &Actor, username: &str, year: i32) -> crate::app::Result<Cadre> {
    let archive = archive::show(db, actor, username, None).await?;
    let progress = progress::of(db, actor, username).await?;
    let targets = standings::year_settings(db, year).await?.targets;
    let mut standing = Standing::default();
    for e in archive.entries.iter().filter(|e| e.year == year) {
        standing.add(e.bucket, e.tenths);
    }
    Ok(Cadre {
        year,
        archive,
        standing,
        targets,
        progress,
    })
}

async fn notices_view(db: &Db, actor: &Actor) -> crate::app::Result<NoticesView> {
    use crate::app::notices;
    let (received, unread) = if actor.account_id.is_some() {
        let inbox = notices::inbox(db, actor, 1).await?;
        (inbox.notices, inbox.unread)
    } else {
        (Vec::new(), 0)
    };
    let sent = if notices::may_send(actor).is_ok() {
        Some(notices::sent_list(db, actor, 200).await?)
    } else {
        None
    };
    Ok(NoticesView {
        received,
        unread,
        sent,
    })
}

async fn notice_op(db: &Db, actor: &Actor, op: NoticeOp) -> crate::app::Result<String> {
    use crate::app::notices::{self, Remind};
    let now = crate::app::now();
    Ok(match op {
        NoticeOp::Send { to, title, body } => {
            let s = notices::send(db, actor, &to, &title, &body, now).await?;
            format!("已发送通知 {}，送达 {} 人", s.id, s.recipients)
        }
        NoticeOp::Remind { id, behind } => {
            let whom = if behind {
                Remind::Behind
            } else {
                Remind::Unread
            };
            let s = notices::remind(db, actor, id, whom, now).await?;
            format!("已发送催学提醒 {}，送达 {} 人", s.id, s.recipients)
        }
        NoticeOp::Quarterly { year, quarter } => {
            let q = notices::quarterly(db, actor, year, quarter, now).await?;
            if q.added == 0 {
                format!(
                    "{year} 年第 {quarter} 季度通知此前已发送（{} 条），本次未新增",
                    q.existing
                )
            } else {
                format!("已发送 {year} 年第 {quarter} 季度通知 {} 条", q.added)
            }
        }
    })
}
