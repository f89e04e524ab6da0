//! Consistency queries for `wangyuan check`: rows that reference something that is not there or
//! does not match. Each query returns the offending ids.

use sqlx::AnyPool;

/// (what is wrong, in Chinese; the query returning the ids of offending rows)
const CHECKS: &[(&str, &str)] = &[
    (
        "撤销记录没有指向被撤销的记录",
        "SELECT id FROM ledger WHERE kind = 'revocation' AND revokes_id IS NULL",
    ),
    (
        "撤销记录与被撤销记录不对应（学员、类别、年度或学分不符）",
        "SELECT r.id FROM ledger r JOIN ledger o ON o.id = r.revokes_id \
         WHERE r.account_id <> o.account_id OR r.tenths <> -o.tenths OR r.bucket <> o.bucket \
         OR r.credit_year <> o.credit_year OR o.kind = 'revocation'",
    ),
    (
        "同一条记录被撤销了多次",
        "SELECT revokes_id FROM ledger WHERE revokes_id IS NOT NULL GROUP BY revokes_id HAVING COUNT(*) > 1",
    ),
    (
        "课程学分记录缺少课程",
        "SELECT l.id FROM ledger l LEFT JOIN courses c ON c.id = l.course_id \
         WHERE l.kind = 'course' AND c.id IS NULL",
    ),
    (
        "考试学分记录缺少考试",
        "SELECT l.id FROM ledger l LEFT JOIN exams e ON e.id = l.exam_id \
         WHERE l.kind = 'exam' AND e.id IS NULL",
    ),
    (
        "学分记录指向不存在的账号",
        "SELECT l.id FROM ledger l LEFT JOIN accounts a ON a.id = l.account_id WHERE a.id IS NULL",
    ),
    (
        "年度学分行指向不存在的账号",
        "SELECT s.account_id FROM standings s LEFT JOIN accounts a ON a.id = s.account_id WHERE a.id IS NULL",
    ),
    (
        "账号所属单位不存在",
        "SELECT a.id FROM accounts a LEFT JOIN units u ON u.id = a.unit_id WHERE u.id IS NULL",
    ),
    (
        "单位的上级不存在",
        "SELECT c.id FROM units c LEFT JOIN units p ON p.id = c.parent_id \
         WHERE c.parent_id IS NOT NULL AND p.id IS NULL",
    ),
    (
        "单位路径与上级不一致",
        "SELECT c.id FROM units c JOIN units p ON p.id = c.parent_id \
         WHERE c.path <> p.path || CAST(c.id AS TEXT) || '/'",
    ),
    (
        "市在线学习办或市网络学院角色不在全市范围",
        "SELECT r.id FROM roles r JOIN units u ON u.id = r.unit_id \
         WHERE r.role IN ('office', 'college') AND u.parent_id IS NOT NULL",
    ),
    (
        "角色指向不存在的账号或单位",
        "SELECT r.id FROM roles r LEFT JOIN accounts a ON a.id = r.account_id \
         LEFT JOIN units u ON u.id = r.unit_id WHERE a.id IS NULL OR u.id IS NULL",
    ),
    (
        "账号的当前单位、批次、状态或免考核与其生效记录（account_facts）不一致",
        super::facts::OUT_OF_STEP,
    ),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub problem: &'static str,
    pub ids: Vec<i64>,
}

pub async fn orphans(pool: &AnyPool) -> Result<Vec<Finding>, sqlx::Error> {
    let mut out = Vec::new();
    for (problem, sql) in CHECKS {
        let ids: Vec<i64> = sqlx::query_scalar(*sql).fetch_all(pool).await?;
        if !ids.is_empty() {
            out.push(Finding { problem, ids });
        }
    }
    Ok(out)
}
