//! "The same schema twice" (issue 12 point 11): after all migrations, the SQLite and PostgreSQL
//! schemas have the same tables, columns (types in a common vocabulary, nullability, defaults),
//! primary keys and indexes (columns, uniqueness, partial or not). SQLite is read through
//! pragma_table_info / pragma_index_list / pragma_index_info, PostgreSQL through
//! information_schema and pg_index. Intentional differences go in `ALLOWED`, each with a reason.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::TestDb;
use wangyuan::store::Db;

/// Differences that are meant, as the exact line the comparison prints. Empty: none are.
const ALLOWED: &[&str] = &[];

#[derive(Debug, Default, PartialEq, Eq)]
struct Table {
    /// name → (common type, not null, normalised default)
    columns: BTreeMap<String, (String, bool, Option<String>)>,
    primary_key: Vec<String>,
    /// (columns in order, unique, partial); names differ by backend (SQLite names its own).
    indexes: BTreeSet<(String, bool, bool)>,
}

type Schema = BTreeMap<String, Table>;

/// The common vocabulary: SQLite's INTEGER and PostgreSQL's BIGINT are both `integer`, etc.
fn common_type(raw: &str) -> String {
    let t = raw.to_ascii_uppercase();
    if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("TEXT") || t.contains("CLOB") {
        "text"
    } else if t.contains("BOOL") {
        "boolean"
    } else if t.contains("REAL") || t.contains("DOUBLE") || t.contains("FLOA") {
        "real"
    } else if t.contains("BLOB") || t.contains("BYTEA") {
        "bytes"
    } else if t.is_empty() {
        "untyped"
    } else {
        return t.to_ascii_lowercase();
    }
    .to_string()
}

/// A default as text both databases agree on: without PostgreSQL's `::type` casts and outer
/// parentheses, lower case.
fn normal_default(raw: Option<String>) -> Option<String> {
    let mut d = raw?.trim().to_string();
    loop {
        let before = d.clone();
        if let Some(i) = d.rfind("::")
            && !d[i..].contains('\'')
            && !d[i..].contains(')')
        {
            d.truncate(i);
        }
        if d.starts_with('(') && d.ends_with(')') {
            d = d[1..d.len() - 1].to_string();
        }
        d = d.trim().to_string();
        if d == before {
            break;
        }
    }
    Some(d.to_lowercase())
}

async fn sqlite_schema(db: &Db) -> Schema {
    let pool = db.reader();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("sqlite tables");
    let mut schema = Schema::new();
    for name in tables {
        let mut table = Table::default();
        let cols: Vec<(String, String, i64, Option<String>, i64)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info($1) ORDER BY cid",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("sqlite columns");
        let mut pk: Vec<(i64, String)> = Vec::new();
        for (col, ty, notnull, default, in_pk) in cols {
            if in_pk > 0 {
                pk.push((in_pk, col.clone()));
            }
            // A primary key column cannot hold NULL (SQLite reports notnull 0 for INTEGER PRIMARY KEY).
            let not_null = notnull != 0 || in_pk > 0;
            table
                .columns
                .insert(col, (common_type(&ty), not_null, normal_default(default)));
        }
        pk.sort();
        table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        let indexes: Vec<(String, i64, String, i64)> =
            sqlx::query_as("SELECT name, \"unique\", origin, partial FROM pragma_index_list($1)")
                .bind(&name)
                .fetch_all(pool)
                .await
                .expect("sqlite indexes");
        for (index, unique, origin, partial) in indexes {
            if origin == "pk" {
                continue;
            }
            let cols: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(pool)
                    .await
                    .expect("sqlite index columns");
            let cols: Vec<String> = cols
                .into_iter()
                .map(|c| c.unwrap_or_else(|| "<expr>".into()))
                .collect();
            table
                .indexes
                .insert((cols.join(","), unique != 0, partial != 0));
        }
        schema.insert(name, table);
    }
    schema
}

async fn postgres_schema(db: &Db) -> Schema {
    let pool = db.reader();
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
         AND table_name <> '_sqlx_migrations' ORDER BY 1",
    )
    .fetch_all(pool)
    .await
    .expect("postgres tables");
    let mut schema: Schema = tables.into_iter().map(|t| (t, Table::default())).collect();
    let cols: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT CAST(table_name AS TEXT), CAST(column_name AS TEXT), CAST(data_type AS TEXT), \
         CAST(is_nullable AS TEXT), CAST(column_default AS TEXT) FROM information_schema.columns \
         WHERE table_schema = current_schema() ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .expect("postgres columns");
    for (table, col, ty, nullable, default) in cols {
        if let Some(t) = schema.get_mut(&table) {
            t.columns.insert(
                col,
                (common_type(&ty), nullable == "NO", normal_default(default)),
            );
        }
    }
    let indexes: Vec<(String, String, i64, i64, i64)> = sqlx::query_as(
        "SELECT CAST(t.relname AS TEXT), \
         array_to_string(ARRAY(SELECT COALESCE(CAST(a.attname AS TEXT), '<expr>') \
             FROM unnest(CAST(ix.indkey AS int2[])) WITH ORDINALITY AS k(attnum, ord) \
             LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum <> 0 \
             ORDER BY k.ord), ','), \
         CAST(CASE WHEN ix.indisunique THEN 1 ELSE 0 END AS BIGINT), \
         CAST(CASE WHEN ix.indisprimary THEN 1 ELSE 0 END AS BIGINT), \
         CAST(CASE WHEN ix.indpred IS NULL THEN 0 ELSE 1 END AS BIGINT) \
         FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace WHERE n.nspname = current_schema()",
    )
    .fetch_all(pool)
    .await
    .expect("postgres indexes");
    for (table, cols, unique, primary, partial) in indexes {
        let Some(t) = schema.get_mut(&table) else {
            continue;
        };
        if primary != 0 {
            t.primary_key = cols.split(',').map(String::from).collect();
        } else {
            t.indexes.insert((cols, unique != 0, partial != 0));
        }
    }
    schema
}

/// Every difference, one line each.
fn differences(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let mut out = Vec::new();
    let names: BTreeSet<&String> = sqlite.keys().chain(postgres.keys()).collect();
    for name in names {
        let (s, p) = match (sqlite.get(name), postgres.get(name)) {
            (Some(s), Some(p)) => (s, p),
            (Some(_), None) => {
                out.push(format!("table {name}: only in SQLite"));
                continue;
            }
            (None, _) => {
                out.push(format!("table {name}: only in PostgreSQL"));
                continue;
            }
        };
        let cols: BTreeSet<&String> = s.columns.keys().chain(p.columns.keys()).collect();
        for col in cols {
            match (s.columns.get(col), p.columns.get(col)) {
                (Some(a), Some(b)) if a != b => out.push(format!(
                    "column {name}.{col}: SQLite {a:?}, PostgreSQL {b:?}"
                )),
                (Some(_), None) => out.push(format!("column {name}.{col}: only in SQLite")),
                (None, Some(_)) => out.push(format!("column {name}.{col}: only in PostgreSQL")),
                _ => {}
            }
        }
        if s.primary_key != p.primary_key {
            out.push(format!(
                "primary key {name}: SQLite {:?}, PostgreSQL {:?}",
                s.primary_key, p.primary_key
            ));
        }
        for i in s.indexes.difference(&p.indexes) {
            out.push(format!("index {name} {i:?}: only in SQLite"));
        }
        for i in p.indexes.difference(&s.indexes) {
            out.push(format!("index {name} {i:?}: only in PostgreSQL"));
        }
    }
    out.retain(|d| !ALLOWED.contains(&d.as_str()));
    out
}

#[tokio::test]
async fn sqlite_and_postgres_schemas_are_the_same() {
    let sqlite = TestDb::sqlite().await;
    let Some(postgres) = TestDb::postgres().await else {
        return;
    };
    let (s, p) = (
        sqlite_schema(&sqlite.db).await,
        postgres_schema(&postgres.db).await,
    );
    assert!(s.len() > 10, "read the SQLite tables: {:?}", s.keys());
    assert!(
        s.values().any(|t| !t.indexes.is_empty()),
        "read the indexes"
    );
    let diff = differences(&s, &p);
    assert!(diff.is_empty(), "schemas differ:\n{}", diff.join("\n"));
}

/// The comparison sees a drift: an index, a column and a nullability added on one side only.
#[tokio::test]
async fn a_drift_on_one_side_is_reported() {
    let sqlite = TestDb::sqlite().await;
    let Some(postgres) = TestDb::postgres().await else {
        return;
    };
    let mut tx = sqlite.db.begin().await.expect("begin");
    for ddl in [
        "CREATE INDEX drift_idx ON units (created_at)",
        "ALTER TABLE units ADD COLUMN drift TEXT",
    ] {
        sqlx::query(ddl).execute(&mut *tx).await.expect("ddl");
    }
    tx.commit().await.expect("commit");
    let diff = differences(
        &sqlite_schema(&sqlite.db).await,
        &postgres_schema(&postgres.db).await,
    );
    assert!(
        diff.iter()
            .any(|d| d.starts_with("index units (\"created_at\"")),
        "{diff:?}"
    );
    assert!(
        diff.iter()
            .any(|d| d == "column units.drift: only in SQLite"),
        "{diff:?}"
    );
}

#[test]
fn types_and_defaults_share_a_vocabulary() {
    assert_eq!(common_type("INTEGER"), common_type("bigint"));
    assert_eq!(common_type("TEXT"), common_type("character varying"));
    assert_eq!(
        normal_default(Some("'active'::text".into())),
        normal_default(Some("'active'".into()))
    );
    assert_eq!(normal_default(Some("(0)".into())), Some("0".into()));
}
