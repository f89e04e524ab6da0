//! Untrusted files and failing requests must not take the server down (issue 11, points 1 and 5),
//! on both databases: crafted files made here — a two-cell workbook claiming the whole grid, a
//! compression bomb, one long text named by thousands of cells, an oversized CSV — are sent through real `roster submit` and `exam import`
//! over SSH exec and through the legacy import; each is refused with exit 2 and a Chinese
//! message, nothing is saved, and the same SSH and web servers keep answering. A web handler that
//! panics answers 500 with the Chinese error page and the site carries on. Against a real
//! `wangyuan serve` process, its peak memory is read from /proc while the files arrive.

mod common;

use std::io::{Read, Write};
use std::net::SocketAddr;

use axum::routing::get;
use common::TestDb;
use common::ssh::{Client, connect, exec};
use russh::client::Handle;
use wangyuan::app::{Actor, legacy};
use wangyuan::rules::limits::{EXAM_BANK, LEGACY, ROSTER};
use wangyuan::web::{self, Clock, Options, Web};

/// A real workbook with the roster header, plus whatever `extra` writes.
fn workbook(extra: impl FnOnce(&mut rust_xlsxwriter::Worksheet)) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (c, h) in ["姓名", "身份证号", "单位", "职务/职级", "手机", "批次"]
        .iter()
        .enumerate()
    {
        sheet.write_string(0, c as u16, *h).expect("header");
    }
    extra(sheet);
    book.save_to_buffer().expect("xlsx")
}

/// A1 and XFD1048576: about 6 KB that claims 17 billion cells.
fn sparse_xlsx() -> Vec<u8> {
    workbook(|s| {
        s.write_string(1_048_575, 16_383, "末").expect("last cell");
    })
}

/// The same archive with each part passed through `part` (name, text, output).
fn rezip(xlsx: &[u8], mut part: impl FnMut(&str, String, &mut dyn Write)) -> Vec<u8> {
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(xlsx)).expect("zip");
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..src.len() {
        let mut f = src.by_index(i).expect("entry");
        let name = f.name().expect("name").to_string();
        let mut data = String::new();
        f.read_to_string(&mut data).expect("xml part");
        out.start_file(name.as_str(), opts).expect("start");
        part(&name, data, &mut out);
    }
    out.finish().expect("finish").into_inner()
}

/// The header workbook with a second row of one 200 MB cell, written in 1 MB pieces: a file of
/// a few hundred KB, as in the issue.
fn bomb_xlsx() -> Vec<u8> {
    rezip(&workbook(|_| {}), |name, data, out| {
        match data.find("</sheetData>") {
            Some(at) if name == "xl/worksheets/sheet1.xml" => {
                out.write_all(&data.as_bytes()[..at]).expect("write");
                out.write_all(br#"<row r="2"><c r="A2" t="inlineStr"><is><t>"#)
                    .expect("write");
                let chunk = vec![b'a'; 1024 * 1024];
                for _ in 0..200 {
                    out.write_all(&chunk).expect("write");
                }
                out.write_all(b"</t></is></c></row>").expect("write");
                out.write_all(&data.as_bytes()[at..]).expect("write");
            }
            _ => out.write_all(data.as_bytes()).expect("write"),
        }
    })
}

/// One 1 MB text stored once and named by 2,000 cells (2 GB once every cell has its copy).
fn shared_text_xlsx() -> Vec<u8> {
    let named = workbook(|s| {
        for r in 1..2001 {
            s.write_string(r, 0, "重复").expect("cell");
        }
    });
    rezip(&named, |name, data, out| {
        let data = if name == "xl/sharedStrings.xml" {
            data.replace(
                "<t>重复</t>",
                &format!("<t>{}</t>", "a".repeat(1024 * 1024)),
            )
        } else {
            data
        };
        out.write_all(data.as_bytes()).expect("write");
    })
}

/// More lines than any roster may have, each a valid-looking row: well under the 16 MB cap.
fn tall_csv() -> Vec<u8> {
    let mut csv = "姓名,身份证号,单位,职务/职级,手机,批次\n".to_string();
    csv.push_str(&"张三,,LX01,科员,,2\n".repeat(ROSTER.rows));
    csv.into_bytes()
}

async fn start_web(db: &wangyuan::store::Db) -> (String, tokio::task::JoinHandle<()>) {
    let media = std::env::temp_dir();
    let site = Web::new(Options {
        db: db.clone(),
        key: web::Key::generate(),
        media_dir: media,
        secure_cookies: false,
        clock: Clock::system(),
        node: "test".into(),
    });
    // The real router and layers, plus one handler with a bug in it.
    let extra = axum::Router::new().route(
        "/test/panic",
        get(|| async {
            let empty: Vec<u8> = Vec::new();
            let at = empty.len() + 3;
            format!("{}", empty[at])
        }),
    );
    let app = web::router_with(extra, site);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let task = tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    (base, task)
}

/// SSH and web both still answer: a command runs, the sign-in page loads.
async fn still_serving(ssh: &Handle<Client>, base: &str, after: &str) {
    let who = exec(ssh, "whoami", b"").await;
    assert_eq!(who.code, Some(0), "ssh after {after}: {}", who.err);
    let page = reqwest::get(format!("{base}/login")).await.expect("web");
    assert_eq!(page.status(), 200, "web after {after}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crafted_files_are_refused_and_the_server_keeps_serving() {
    for t in TestDb::all().await {
        let summary = common::seed_demo(&t.db, 10).await;
        let addr = common::ssh::start(&t.db).await;
        let (base, web_task) = start_web(&t.db).await;
        let lx = connect(
            addr,
            "lx_liaison",
            &common::staff_password(&summary, "lx_liaison"),
        )
        .await
        .expect("liaison");
        let college = connect(
            addr,
            "college",
            &common::staff_password(&summary, "college"),
        )
        .await
        .expect("college");

        let cases: [(&str, Vec<u8>, &str); 5] = [
            (
                "sparse xlsx",
                sparse_xlsx(),
                "表格超过 50000 行的上限，未读取",
            ),
            (
                "compression bomb",
                bomb_xlsx(),
                "Excel 文件解压后超过 32 MB 的上限，未读取",
            ),
            (
                "shared text",
                shared_text_xlsx(),
                "表格文字超过 16 MB 的上限，未读取",
            ),
            ("tall csv", tall_csv(), "表格超过 50000 行的上限，未读取"),
            (
                "wide csv",
                format!("姓名,身份证号,单位\n{}\n", ",".repeat(ROSTER.columns)).into_bytes(),
                "第2行超过 256 列的上限，未读取",
            ),
        ];
        for (what, file, message) in cases {
            assert!(file.len() < 2 * 1024 * 1024, "{what}: {} bytes", file.len());
            let sent = exec(&lx, "roster submit --name 攻击.xlsx", &file).await;
            assert_eq!(sent.code, Some(2), "{}: {what}: {}", t.name, sent.err);
            assert!(sent.err.contains(message), "{what}: {}", sent.err);
            assert!(sent.out.is_empty(), "{what}");
            still_serving(&lx, &base, what).await;
        }
        // Two crafted files at once: both refused, and the server still answers.
        let (bomb, sparse) = (bomb_xlsx(), sparse_xlsx());
        let (a, b) = tokio::join!(
            exec(&lx, "roster submit", &bomb),
            exec(&lx, "roster submit", &sparse)
        );
        assert_eq!(
            (a.code, b.code),
            (Some(2), Some(2)),
            "{} / {}",
            a.err,
            b.err
        );
        still_serving(&lx, &base, "two at once").await;
        assert_eq!(
            common::count(&t.db, "SELECT COUNT(*) FROM roster_submissions").await,
            0,
            "{}: nothing saved",
            t.name
        );

        // A question bank with more rows than allowed.
        let course: String = sqlx::query_scalar("SELECT code FROM courses ORDER BY code LIMIT 1")
            .fetch_one(t.db.reader())
            .await
            .expect("a course");
        let mut bank = "题型,题干,选项A,选项B,答案\n".to_string();
        bank.push_str(&"单选,题,甲,乙,A\n".repeat(EXAM_BANK.rows));
        let imported = exec(&college, &format!("exam import {course}"), bank.as_bytes()).await;
        assert_eq!(imported.code, Some(2), "{}", imported.err);
        assert!(
            imported.err.contains("表格超过 10000 行的上限"),
            "{}",
            imported.err
        );
        let json = format!("[{}]", vec!["{}"; EXAM_BANK.rows + 1].join(","));
        let imported = exec(&college, &format!("exam import {course}"), json.as_bytes()).await;
        assert_eq!(imported.code, Some(2), "{}", imported.err);
        assert!(
            imported.err.contains("题目超过 10000 道的上限"),
            "{}",
            imported.err
        );
        still_serving(&college, &base, "exam banks").await;

        // The legacy import (a local command): too many lines, and too wide a header.
        let tall = "username\n".to_string() + &"a\n".repeat(LEGACY.rows);
        let wide = ",".repeat(LEGACY.columns) + "\n";
        for (what, users) in [("tall", tall), ("wide", wide)] {
            let refused =
                legacy::import(&t.db, &Actor::local_operator(), users.as_bytes(), None, 0).await;
            let e = refused.expect_err(what);
            assert_eq!(e.exit_code(), 2, "{what}: {e}");
            assert!(e.to_string().contains("上限"), "{what}: {e}");
        }
        still_serving(&lx, &base, "legacy import").await;
        web_task.abort();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_web_handler_answers_500_and_the_site_carries_on() {
    let t = TestDb::sqlite().await;
    let (base, web_task) = start_web(&t.db).await;
    let http = reqwest::Client::new();
    let boom = http
        .get(format!("{base}/test/panic"))
        .send()
        .await
        .expect("an answer, not a dropped connection");
    assert_eq!(boom.status(), 500);
    let body = boom.text().await.expect("body");
    assert!(body.contains("服务器内部错误"), "{body}");
    for _ in 0..3 {
        let page = http.get(format!("{base}/login")).send().await.expect("web");
        assert_eq!(page.status(), 200);
    }
    web_task.abort();
}

/// A process's peak resident memory (VmHWM), in MiB.
fn peak_mib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib / 1024)
}

/// The issue's scene against a real `wangyuan serve` process: a 200 MB bomb and the two-cell
/// grid, twice each and two at a time, sent by a liaison over SSH. The process lives, still
/// answers SSH and web, and its peak memory stays far below what the bomb inflates to.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_served_process_survives_the_files_in_bounded_memory() {
    if !std::path::Path::new("/proc/self/status").exists() {
        return;
    }
    let t = TestDb::sqlite().await;
    let summary = common::seed_demo(&t.db, 10).await;
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("keys")).expect("keys dir");
    let mut server = common::serve::start(dir.path(), &t.url, |_| {});
    let pid = server.child.id();
    let (addr, base) = (server.ssh, server.base());
    let lx = connect(
        addr,
        "lx_liaison",
        &common::staff_password(&summary, "lx_liaison"),
    )
    .await
    .expect("liaison");
    let before = peak_mib(pid);
    let (bomb, sparse, shared) = (bomb_xlsx(), sparse_xlsx(), shared_text_xlsx());
    for _ in 0..2 {
        let (a, b, c) = tokio::join!(
            exec(&lx, "roster submit", &bomb),
            exec(&lx, "roster submit", &sparse),
            exec(&lx, "roster submit", &shared)
        );
        for ran in [a, b, c] {
            assert_eq!(ran.code, Some(2), "{}", ran.err);
        }
    }
    assert!(
        server.child.try_wait().expect("wait").is_none(),
        "the server is alive"
    );
    still_serving(&lx, &base, "the files").await;
    let peak = peak_mib(pid);
    // Reading the bomb whole took over 400 MB (twice what it inflates to); the two-cell grid
    // asked for 512 GiB at once.
    assert!(
        peak < 160,
        "peak memory {peak} MiB (before the files: {before} MiB)"
    );
    println!("serve peak memory: {before} MiB before the files, {peak} MiB after");
}
