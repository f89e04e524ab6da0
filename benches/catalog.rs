//! Course import benchmark (issue 13, "Measure"): `course import` of N courses (default 5,000)
//! through the command's own code (`cmd::run_line`, as `ssh host course import < feed.csv`):
//! (1) a CSV feed of N new courses, (2) the same file again (every course unchanged), (3) a JSON
//! feed changing every title (N updates and N audit rows). Target: each under 2 s.
//!
//!     cargo bench --bench catalog                          # both databases, 5,000 courses
//!     cargo bench --bench catalog -- --courses 20000 --backend sqlite
//!
//! PostgreSQL: 127.0.0.1:5432 as user postgres (or the admin URL in WANGYUAN_TEST_PG); the
//! benchmark makes its own database and drops it (benches/support).

mod support;

use std::time::Instant;

use wangyuan::app::Actor;
use wangyuan::cmd::{self, Stdin};
use wangyuan::rules::catalog::{Category, Source};
use wangyuan::rules::course_feed::{CourseDraft, to_csv};
use wangyuan::rules::credits::CourseKind;
use wangyuan::store::Db;

fn main() {
    let mut courses = 5_000;
    let backends = support::parse_args(&["--courses"], |_, value| {
        courses = value.parse().unwrap_or(courses);
    });
    support::run_each(&backends, |db, name| async move {
        bench(&db, name, courses).await.map_err(|e| e.to_string())
    });
}

fn feed(n: usize) -> Vec<CourseDraft> {
    (0..n)
        .map(|i| CourseDraft {
            code: format!("HN{i:05}"),
            title: format!("省级推送课程第 {i} 讲：新时代干部能力建设"),
            category: Category::ALL[i % Category::ALL.len()],
            kind: if i % 3 == 0 {
                CourseKind::Elective
            } else {
                CourseKind::Required
            },
            source: Source::ALL[i % 2],
            duration_s: 1_200 + (i as i64 * 37) % 6_000,
            designated: None,
        })
        .collect()
}

fn json(drafts: &[CourseDraft]) -> String {
    let items: Vec<serde_json::Value> = drafts
        .iter()
        .map(|c| {
            serde_json::json!({
                "code": c.code,
                "title": format!("{}（修订）", c.title),
                "category": c.category.code(),
                "kind": c.kind.code(),
                "source": c.source.code(),
                "duration_s": c.duration_s,
                "designated_credits": null,
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

async fn timed(db: &Db, line: &str, input: &[u8]) -> Result<(f64, String), String> {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin = Stdin::from_bytes(input.to_vec());
    let start = Instant::now();
    let code = cmd::run_line(
        db,
        &Actor::local_operator(),
        line,
        &mut stdin,
        &mut out,
        &mut err,
    )
    .await;
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    if code != 0 {
        return Err(String::from_utf8_lossy(&err).into_owned());
    }
    let text = String::from_utf8_lossy(&out);
    let title = text.lines().next().unwrap_or_default().to_string();
    Ok((ms, title))
}

async fn bench(db: &Db, name: &str, n: usize) -> Result<(), String> {
    let drafts = feed(n);
    let csv = to_csv(&drafts);
    let changed = json(&drafts);
    println!(
        "{name}: course import of {n} courses (CSV {} KiB, JSON {} KiB)",
        csv.len() / 1024,
        changed.len() / 1024
    );
    for (what, line, input) in [
        (
            "new (CSV, --publish)",
            "course import --publish",
            csv.as_bytes(),
        ),
        ("same file again", "course import", csv.as_bytes()),
        (
            "every title changed (JSON)",
            "course import",
            changed.as_bytes(),
        ),
    ] {
        let (ms, title) = timed(db, line, input).await?;
        println!("  {what:28} {ms:8.1} ms   {title}");
    }
    Ok(())
}
