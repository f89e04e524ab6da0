//! The layering the fronts keep (docs/architecture.md): `tui/`, `web/`, `cmd/`, `ssh/` and
//! `cli.rs` take domain types from `app/`, never `store/` rows, and never compare the database's
//! status codes by hand. Read from the sources, so a new import or comparison fails here.

use std::fs;
use std::path::{Path, PathBuf};

/// What a front may name from `store`: the database handle and how opening it fails.
const ALLOWED: &[&str] = &["Db", "OpenError", "sqlite_file"];

const FRONTS: &[&str] = &["src/tui", "src/web", "src/cmd", "src/ssh", "src/cli.rs"];

fn sources(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for e in entries {
            sources(&e, out);
        }
    } else if path.extension().is_some_and(|x| x == "rs") {
        out.push(path.to_path_buf());
    }
}

fn front_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for f in FRONTS {
        sources(&root.join(f), &mut files);
    }
    assert!(
        files.len() > 20,
        "fronts not found under {}",
        root.display()
    );
    files
        .into_iter()
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap();
            let name = p.strip_prefix(root).unwrap().display().to_string();
            (name, text)
        })
        .collect()
}

/// The names used after each `store::` in `text` (a `{…}` group gives each of its names).
fn store_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (i, _) in text.match_indices("store::") {
        let rest = &text[i + "store::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let inner = &group[..group.find('}').unwrap_or(group.len())];
            names.extend(inner.split(',').map(|n| n.trim().to_string()));
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            names.push(rest[..end].to_string());
        }
    }
    names.retain(|n| !n.is_empty());
    names
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

#[test]
fn fronts_name_only_the_store_handle() {
    let mut bad = Vec::new();
    for (file, text) in front_files() {
        for (no, line) in text.lines().enumerate() {
            if is_comment(line) {
                continue;
            }
            for name in store_names(line) {
                if !ALLOWED.contains(&name.as_str()) {
                    bad.push(format!("{file}:{}: store::{name}", no + 1));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "fronts must take domain types from app/, not store rows:\n{}",
        bad.join("\n")
    );
}

/// The codes the database stores for account, roster, row and request states.
const STORED_CODES: &[&str] = &[
    "active",
    "disabled",
    "submitted",
    "reviewed",
    "approved",
    "returned",
    "issued",
    "pending",
    "accepted",
    "rejected",
    "refused",
];

/// How a line compares a value with a stored code or a 0/1 flag by hand, if it does.
fn hand_comparison(line: &str) -> Option<String> {
    for code in STORED_CODES {
        let quoted = format!("\"{code}\"");
        for form in [
            format!("== {quoted}"),
            format!("!= {quoted}"),
            format!("{quoted} =>"),
            format!("{quoted} |"),
            format!("({quoted})"),
        ] {
            if line.contains(&form) {
                return Some(form);
            }
        }
    }
    for flag in ["exempt", "must_change", "is_learner", "published"] {
        for form in [format!("{flag} == 1"), format!("{flag} == 0")] {
            if line.contains(&form) {
                return Some(form);
            }
        }
    }
    ["status.as_str()", "from_code(&r.role)"]
        .into_iter()
        .find(|p| line.contains(p))
        .map(str::to_string)
}

#[test]
fn fronts_compare_no_stored_codes() {
    let mut bad = Vec::new();
    for (file, text) in front_files() {
        for (no, line) in text.lines().enumerate() {
            if is_comment(line) {
                continue;
            }
            if let Some(form) = hand_comparison(line) {
                bad.push(format!("{file}:{}: {form}: {}", no + 1, line.trim()));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "fronts must match the enums and flags of app/ types:\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_scanner_sees_groups_and_paths() {
    assert_eq!(
        store_names("use crate::store::{Db, facts::RequestRow};"),
        ["Db", "facts::RequestRow"]
    );
    assert_eq!(
        store_names("use crate::store::account_care::HistoryRow;"),
        ["account_care"]
    );
    assert_eq!(
        store_names("crate::store::sqlite_file(&url)"),
        ["sqlite_file"]
    );
    assert!(hand_comparison(r#"if a.status.code() == "active" {"#).is_some());
    assert!(hand_comparison(r#""rejected" => th.danger(),"#).is_some());
    assert!(hand_comparison("Cell::Bool(a.exempt == 1)").is_some());
    assert!(hand_comparison(r#"col("accepted", "通过"),"#).is_none());
}
