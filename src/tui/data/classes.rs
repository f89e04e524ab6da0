//! The 培训班 tab's requests, answered through `app::classes` (and the catalogue, account search
//! and unit resolver it shares with other tabs).

use crate::app::catalog::{self, Filter};
use crate::app::classes::{self, ClassForm, MembersAdded};
use crate::app::{Actor, Result, accounts, standings};
use crate::rules::catalog::CourseStatus;
use crate::store::Db;

use super::{ClassOp, ClassOutcome, DataMsg};

/// How many learners a search for `+` lists.
const PEOPLE: i64 = 20;
/// How many usernames a report lists (the rest are counted).
const REPORT: usize = 15;

pub(super) async fn catalog(db: &Db, text: String) -> DataMsg {
    let filter = Filter {
        status: Some(CourseStatus::Published),
        text: (!text.trim().is_empty()).then(|| text.trim().to_string()),
        ..Filter::default()
    };
    DataMsg::ClassCatalog {
        result: catalog::list(db, &filter).await.map_err(|e| e.to_string()),
        text,
    }
}

pub(super) async fn people(db: &Db, actor: &Actor, text: String) -> DataMsg {
    DataMsg::ClassPeople {
        result: accounts::find(db, actor, &text, PEOPLE)
            .await
            .map(|found| found.into_iter().filter(|a| a.is_learner).collect())
            .map_err(|e| e.to_string()),
        text,
    }
}

/// The unit typed for `a`: found by code or unique name, within the actor's scope.
pub(super) async fn unit(db: &Db, actor: &Actor, id: i64, unit: String) -> DataMsg {
    DataMsg::ClassUnit {
        result: standings::resolve_scope(db, actor, Some(&unit))
            .await
            .map(|u| (u.code, u.name))
            .map_err(|e| e.to_string()),
        id,
        unit,
    }
}

pub(super) async fn op(db: &Db, actor: &Actor, op: ClassOp) -> Result<ClassOutcome> {
    let now = crate::app::now();
    let said = |text: String| ClassOutcome {
        text,
        report: Vec::new(),
    };
    Ok(match op {
        ClassOp::Create { form, courses } => create(db, actor, &form, &courses, now).await?,
        ClassOp::Edit {
            id,
            patch,
            add,
            remove,
        } => {
            // Fields and courses in one transaction: a refused course changes nothing.
            classes::change(db, actor, id, &patch, &add, &remove, now).await?;
            said(format!(
                "培训班 {id} 已修改（课程增加 {} 门、移出 {} 门）",
                add.len(),
                remove.len()
            ))
        }
        ClassOp::Open(id) => {
            classes::open(db, actor, id, now).await?;
            said(format!("培训班 {id} 已开班，学员已收到通知"))
        }
        ClassOp::Close(id) => {
            classes::close(db, actor, id, now).await?;
            said(format!("培训班 {id} 已结班，结业名单已固定"))
        }
        ClassOp::AddUnit { id, unit } => {
            let added = classes::add_members_by_unit(db, actor, id, &unit, now).await?;
            added_outcome(&format!("单位 {unit}"), &added)
        }
        ClassOp::AddMembers { id: class, lines } => {
            let added = classes::add_members(db, actor, class, &lines, now).await?;
            added_outcome("所选学员", &added)
        }
        ClassOp::Remove {
            id,
            username,
            reason,
        } => {
            classes::remove_member(db, actor, id, &username, &reason, now).await?;
            said(format!("已将 {username} 移出培训班 {id}"))
        }
    })
}

/// A class made as a draft with its courses, in one transaction (a refused course refuses the
/// class too, and says which).
async fn create(
    db: &Db,
    actor: &Actor,
    form: &ClassForm,
    courses: &[String],
    now: i64,
) -> Result<ClassOutcome> {
    let id = classes::create_with_courses(db, actor, form, courses, now).await?;
    let mut text = format!("已新建培训班「{}」（编号 {id}，草稿）", form.title);
    if !courses.is_empty() {
        text.push_str(&format!("，课程 {} 门", courses.len()));
    }
    Ok(ClassOutcome {
        text,
        report: Vec::new(),
    })
}

/// "已加入 N 人", with those not added (already in the class) listed in the report.
fn added_outcome(from: &str, added: &MembersAdded) -> ClassOutcome {
    let mut text = format!("{from}：已加入 {} 人", added.added.len());
    let mut report = Vec::new();
    if !added.already.is_empty() {
        let n = added.already.len();
        text.push_str(&format!("，{n} 人已在班中"));
        report.push(format!("以下 {n} 人已在班中，未重复添加："));
        report.extend(added.already.iter().take(REPORT).map(|u| format!("  {u}")));
        if n > REPORT {
            report.push(format!("  …另 {} 人", n - REPORT));
        }
    }
    ClassOutcome { text, report }
}
