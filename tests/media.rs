//! Lecture media (issue 13 point 6) on both databases: `course media` stores each accepted format
//! by content hash with its own duration, refuses a duration mismatch (unless --set-duration),
//! oversize files, garbage and lying headers, and anyone but the college and the office; over
//! SSH exec the file streams in; the course page plays it (16:9 video or an audio bar) or says
//! "课件尚未上传"; media are served with Range only for published courses. An MP4's video must be
//! H.264 and a WebM's VP8, VP9 or AV1 (what every browser plays).

mod common;

use common::http::{Browser, Site};
use common::{NOW, TestDb, actor, seed_demo, staff_password};
use reqwest::StatusCode;
use reqwest::header::COOKIE;
use sha2::{Digest, Sha256};
use wangyuan::demo::media::tick_wav;
use wangyuan::demo::seed::DemoSummary;
use wangyuan::store::Db;
use wangyuan::store::media::MediaFolder;

struct Setup {
    t: TestDb,
    db: Db,
    media: tempfile::TempDir,
    summary: DemoSummary,
}

impl Setup {
    fn dir(&self) -> std::path::PathBuf {
        self.media.path().join("media")
    }

    /// Every file in the media folder, hidden ones included.
    fn files(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir()) else {
            return Vec::new();
        };
        let mut names: Vec<String> = entries
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Each database with the demo city, a media folder taking up to `max_bytes`.
async fn setups(max_bytes: u64) -> Vec<Setup> {
    let mut out = Vec::new();
    for t in TestDb::all().await {
        let summary = seed_demo(&t.db, 3).await;
        let media = tempfile::tempdir().expect("media dir");
        let db = t.db.clone().with_media(MediaFolder {
            dir: media.path().join("media"),
            max_bytes,
        });
        out.push(Setup {
            t,
            db,
            media,
            summary,
        });
    }
    out
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A required course of `duration_s` seconds without media, published or a draft.
async fn course(db: &Db, code: &str, duration_s: i64, published: bool) {
    let mut tx = db.begin().await.expect("begin");
    wangyuan::store::courses::insert(
        &mut tx,
        &wangyuan::store::courses::NewCourse {
            code,
            title: "课件测试",
            category: "theory",
            kind: "required",
            duration_s,
            designated_tenths: None,
            source: "local",
            media_path: None,
            description: "",
        },
        NOW,
    )
    .await
    .expect("insert course");
    tx.commit().await.expect("commit");
    if !published {
        sqlx::query("UPDATE courses SET status = 'draft' WHERE code = $1")
            .bind(code)
            .execute(db.reader())
            .await
            .expect("draft");
    }
}

async fn media_of(db: &Db, code: &str) -> (Option<String>, i64) {
    sqlx::query_as("SELECT media_path, duration_s FROM courses WHERE code = $1")
        .bind(code)
        .fetch_one(db.reader())
        .await
        .expect("course")
}

async fn audits(db: &Db) -> i64 {
    wangyuan::store::audit::count_action(db.reader(), "course.media")
        .await
        .expect("audit")
}

#[tokio::test]
async fn every_format_is_stored_by_its_hash_with_its_own_duration() {
    for s in setups(1 << 30).await {
        let college = actor(&s.t, "college").await;
        let cases = [
            ("WAV01", tick_wav(10), "wav", "WAV 音频"),
            ("MP401", fixture("lecture-10s.mp4"), "mp4", "MP4 视频"),
            ("WEBM01", fixture("lecture-10s.webm"), "webm", "WebM 视频"),
            ("MP301", fixture("lecture-10s.mp3"), "mp3", "MP3 音频"),
            ("M4A01", fixture("lecture-10s.m4a"), "m4a", "M4A 音频"),
        ];
        for (i, (code, bytes, ext, label)) in cases.iter().enumerate() {
            course(&s.db, code, 10, true).await;
            let line = format!("course media {code} --format json");
            let rows = common::cmd::run(&s.db, &college, &line, bytes).await.json();
            let name = format!("{}.{ext}", sha256(bytes));
            assert_eq!(rows[0]["file"], name.as_str(), "{} {code}", s.t.name);
            assert_eq!(rows[0]["format"], *label, "{code}");
            assert_eq!(rows[0]["bytes"], bytes.len() as i64, "{code}");
            assert_eq!(rows[0]["duration_s"], 10, "{code}");
            let stored = std::fs::read(s.dir().join(&name)).expect("stored file");
            assert_eq!(&stored, bytes, "{code}");
            assert_eq!(media_of(&s.db, code).await, (Some(name.clone()), 10));
            assert_eq!(audits(&s.db).await, i as i64 + 1, "{code}");
            let lecture = wangyuan::app::media::lecture(&s.db, code)
                .await
                .expect("lecture")
                .expect("has media");
            assert_eq!(lecture.video, matches!(*ext, "mp4" | "webm"), "{code}");
        }
        // Nothing else in the folder: no temporary file left behind.
        assert_eq!(s.files().len(), cases.len(), "{:?}", s.files());

        // A second upload switches the course; the old file stays for whoever is playing it.
        let again = common::cmd::run(
            &s.db,
            &college,
            "course media WAV01 --set-duration",
            &tick_wav(11),
        )
        .await;
        assert_eq!(again.code, 0, "{}", again.err);
        let (now_playing, _) = media_of(&s.db, "WAV01").await;
        assert_eq!(now_playing, Some(format!("{}.wav", sha256(&tick_wav(11)))));
        assert!(
            s.dir()
                .join(format!("{}.wav", sha256(&tick_wav(10))))
                .exists()
        );
        assert!(again.text().contains("已上传课件"), "{}", again.text());
    }
}

#[tokio::test]
async fn a_duration_mismatch_is_refused_unless_set_duration() {
    for s in setups(1 << 30).await {
        let college = actor(&s.t, "college").await;
        course(&s.db, "LONG01", 100, true).await;
        let wav = tick_wav(10);
        let refused = common::cmd::run(&s.db, &college, "course media LONG01", &wav).await;
        assert_eq!(refused.code, 2, "{} {}", s.t.name, refused.err);
        assert!(refused.err.contains("相差超过 2%"), "{}", refused.err);
        assert!(refused.err.contains("--set-duration"), "{}", refused.err);
        assert!(refused.out.is_empty());
        assert_eq!(media_of(&s.db, "LONG01").await, (None, 100));
        assert_eq!(audits(&s.db).await, 0);
        assert!(s.files().is_empty(), "{:?}", s.files());

        // Within 2 %: 10 s of file for a 10.2 s course is not asked for here (whole seconds);
        // 100 s of file for a 102 s course is accepted as it is.
        course(&s.db, "NEAR01", 102, true).await;
        let near = common::cmd::run(&s.db, &college, "course media NEAR01", &tick_wav(100)).await;
        assert_eq!(near.code, 0, "{}", near.err);
        assert_eq!(media_of(&s.db, "NEAR01").await.1, 102);

        let set =
            common::cmd::run(&s.db, &college, "course media LONG01 --set-duration", &wav).await;
        assert_eq!(set.code, 0, "{}", set.err);
        assert!(
            set.text().contains("已获得的学分保持不变"),
            "{}",
            set.text()
        );
        let name = format!("{}.wav", sha256(&wav));
        assert_eq!(media_of(&s.db, "LONG01").await, (Some(name), 10));
        assert_eq!(audits(&s.db).await, 2);
    }
}

#[tokio::test]
async fn oversize_garbage_and_lying_files_are_refused() {
    for s in setups(50_000).await {
        let college = actor(&s.t, "college").await;
        course(&s.db, "BAD01", 10, true).await;
        let refuse = |bytes: Vec<u8>, words: &'static str| {
            let db = s.db.clone();
            let college = college.clone();
            async move {
                let r = common::cmd::run(&db, &college, "course media BAD01", &bytes).await;
                assert_eq!(r.code, 2, "{words}: {}", r.err);
                assert!(r.err.contains(words), "{words}: {}", r.err);
            }
        };
        // 10 s of 8 kHz WAV is 80,044 bytes, over this folder's 50,000.
        refuse(tick_wav(10), "超过课件大小上限").await;
        refuse(
            b"just some text, not a lecture".to_vec(),
            "无法识别的文件格式",
        )
        .await;
        refuse(Vec::new(), "标准输入为空").await;
        // A WAV header claiming 100 s over 5 s of samples.
        let mut liar = tick_wav(5);
        liar[40..44].copy_from_slice(&800_000u32.to_le_bytes());
        liar[4..8].copy_from_slice(&(800_036u32).to_le_bytes());
        refuse(liar, "文件头与内容不符").await;
        // The first half of an MP4, and an MP4 header on nothing.
        let mp4 = fixture("lecture-10s.mp4");
        refuse(mp4[..mp4.len() / 2].to_vec(), "MP4/M4A").await;
        refuse(b"\0\0\0\x18ftypisom\0\0\0\0isomavc1".to_vec(), "MP4/M4A").await;
        // A Matroska file that is not WebM.
        refuse(
            b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x88matroska".to_vec(),
            "无法识别的文件格式",
        )
        .await;
        assert_eq!(media_of(&s.db, "BAD01").await, (None, 10), "{}", s.t.name);
        assert_eq!(audits(&s.db).await, 0);
        assert!(s.files().is_empty(), "{:?}", s.files());
    }
}

/// `bytes` with the first `from` after `after` replaced by `to` (same length).
fn patched(bytes: &[u8], after: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let find = |needle: &[u8], start: usize| {
        bytes[start..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + start)
            .expect("pattern in fixture")
    };
    let start = if after.is_empty() { 0 } else { find(after, 0) };
    let at = find(from, start);
    let mut out = bytes.to_vec();
    out[at..at + to.len()].copy_from_slice(to);
    out
}

#[tokio::test]
async fn an_mp4_must_hold_h264_video_and_a_webm_vp8_vp9_or_av1() {
    for s in setups(1 << 30).await {
        let college = actor(&s.t, "college").await;
        // Generated files: H.264 (both sample entry codes) is taken, as MP4 video.
        for (code, entry) in [("AVC1", b"avc1"), ("AVC3", b"avc3")] {
            course(&s.db, code, 10, true).await;
            let mp4 = common::mp4::video(entry, 10);
            let line = format!("course media {code} --format json");
            let r = common::cmd::run(&s.db, &college, &line, &mp4).await;
            assert_eq!(r.code, 0, "{} {code}: {}", s.t.name, r.err);
            let rows = r.json();
            assert_eq!(rows[0]["format"], "MP4 视频", "{code}");
            assert_eq!(rows[0]["duration_s"], 10, "{code}");
            assert_eq!(
                media_of(&s.db, code).await.0,
                Some(format!("{}.mp4", sha256(&mp4)))
            );
        }
        assert_eq!(audits(&s.db).await, 2);

        // HEVC and others are refused with the codec named, nothing stored or changed.
        course(&s.db, "HEVC01", 10, true).await;
        let refuse = |bytes: Vec<u8>, words: &'static [&'static str]| {
            let db = s.db.clone();
            let college = college.clone();
            async move {
                let r = common::cmd::run(&db, &college, "course media HEVC01", &bytes).await;
                assert_eq!(r.code, 2, "{words:?}: {}", r.err);
                for w in words {
                    assert!(r.err.contains(w), "{w}: {}", r.err);
                }
            }
        };
        const H264: &str = "只接受 H.264";
        refuse(
            common::mp4::video(b"hvc1", 10),
            &["HEVC/H.265（hvc1）", H264],
        )
        .await;
        refuse(common::mp4::video(b"hev1", 10), &["HEVC/H.265（hev1）"]).await;
        refuse(common::mp4::video(b"av01", 10), &["AV1（av01）", H264]).await;
        // The real fixture with its video sample entry relabelled (its `ftyp` names avc1 too, as
        // a brand): the audio track is fine, the video is not.
        let fixture_mp4 = fixture("lecture-10s.mp4");
        refuse(
            patched(&fixture_mp4, b"stsd", b"avc1", b"hvc1"),
            &["HEVC/H.265（hvc1）"],
        )
        .await;
        let webm = fixture("lecture-10s.webm");
        refuse(
            patched(&webm, b"", b"V_VP8", b"V_XYZ"),
            &["WebM", "未知编码 V_XYZ", "VP9"],
        )
        .await;
        assert_eq!(media_of(&s.db, "HEVC01").await, (None, 10), "{}", s.t.name);
        assert_eq!(audits(&s.db).await, 2);
        // Two files stored (the accepted ones), no temporary file left.
        assert_eq!(s.files().len(), 2, "{:?}", s.files());

        // The same WebM declaring VP9 instead is taken.
        course(&s.db, "VP901", 10, true).await;
        let vp9 = patched(&webm, b"", b"V_VP8", b"V_VP9");
        let r = common::cmd::run(&s.db, &college, "course media VP901", &vp9).await;
        assert_eq!(r.code, 0, "{}", r.err);
    }
}

#[tokio::test]
async fn only_the_college_and_the_office_upload() {
    for s in setups(1 << 30).await {
        course(&s.db, "WHO01", 10, true).await;
        let wav = tick_wav(10);
        let lx = actor(&s.t, "lx_liaison").await;
        let r = common::cmd::run(&s.db, &lx, "course media WHO01", &wav).await;
        assert_eq!(r.code, 3, "{} {}", s.t.name, r.err);
        assert!(r.err.contains("仅限市网络学院和市在线学习办"), "{}", r.err);
        assert!(s.files().is_empty());
        let office = actor(&s.t, "office").await;
        let missing = common::cmd::run(&s.db, &office, "course media NOPE99", &wav).await;
        assert_eq!(missing.code, 4, "{}", missing.err);
        let ok = common::cmd::run(&s.db, &office, "course media WHO01", &wav).await;
        assert_eq!(ok.code, 0, "{}", ok.err);
        assert_eq!(audits(&s.db).await, 1);
    }
}

#[tokio::test]
async fn an_upload_streams_in_over_ssh_exec() {
    for s in setups(1 << 30).await {
        course(&s.db, "SSH01", 120, true).await;
        let addr = common::ssh::start(&s.db).await;
        let password = staff_password(&s.summary, "college");
        let college = common::ssh::connect(addr, "college", &password)
            .await
            .expect("college signs in");
        // 960 KB: many SSH data messages and more than the server's queue of pieces.
        let wav = tick_wav(120);
        let r = common::ssh::exec(&college, "course media SSH01", &wav).await;
        assert_eq!(r.code, Some(0), "{} {}", s.t.name, r.err);
        let name = format!("{}.wav", sha256(&wav));
        assert_eq!(media_of(&s.db, "SSH01").await, (Some(name.clone()), 120));
        assert_eq!(std::fs::read(s.dir().join(&name)).expect("file"), wav);
        let help = common::ssh::exec(&college, "help course media", b"").await;
        assert!(
            help.text()
                .contains("course media <课程编号> [--set-duration]"),
            "{}",
            help.text()
        );
    }
}

#[tokio::test]
async fn the_course_page_plays_the_lecture_or_says_it_is_not_uploaded() {
    for s in setups(1 << 30).await {
        let college = actor(&s.t, "college").await;
        let mp4 = fixture("lecture-10s.mp4");
        let wav = tick_wav(10);
        // Other bytes (a sample changed), so the draft's file is its own.
        let mut draft_wav = wav.clone();
        draft_wav[44 + 5_000] = 140;
        for (code, bytes, published) in [
            ("VID01", &mp4, true),
            ("AUD01", &wav, true),
            ("DRAFT01", &draft_wav, false),
        ] {
            course(&s.db, code, 10, published).await;
            let r = common::cmd::run(&s.db, &college, &format!("course media {code}"), bytes).await;
            assert_eq!(r.code, 0, "{}", r.err);
        }
        course(&s.db, "NONE01", 10, true).await;
        std::fs::write(s.dir().join("stray.wav"), &wav).expect("stray file");

        let media = tempfile::tempdir().expect("site dir");
        let site = Site::serve(
            &s.db,
            wangyuan::web::Key::generate(),
            wangyuan::web::Clock::manual(NOW),
            media,
            s.dir(),
            "media-test",
        )
        .await;
        // Learners whose password needs no change.
        let synthetic = wangyuan::demo::seed::synthetic(
            &s.db,
            &wangyuan::demo::seed::SyntheticOptions {
                learners: 2,
                year: 2026,
                per_learner: 0,
                now: NOW,
                rng_seed: 9,
            },
            |_| {},
        )
        .await
        .expect("learners");
        let learner: String = sqlx::query_scalar(
            "SELECT username FROM accounts WHERE is_learner = 1 ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(s.db.reader())
        .await
        .expect("learner");
        let mut browser = Browser::at(&site.base);
        let signed = browser.sign_in(&learner, &synthetic.password).await;
        assert_eq!(
            signed.status,
            StatusCode::SEE_OTHER,
            "{} {}",
            s.t.name,
            signed.body
        );

        let none = browser.get("/courses/NONE01").await;
        assert_eq!(none.status, StatusCode::OK);
        assert!(none.body.contains("课件尚未上传"), "{}", none.body);
        assert!(!none.body.contains("id=\"player\""), "{}", none.body);
        let video = browser.get("/courses/VID01").await;
        assert!(
            video.body.contains("class=\"frame\"><video"),
            "{}",
            video.body
        );
        assert!(!video.body.contains("课件尚未上传"));
        let audio = browser.get("/courses/AUD01").await;
        assert!(
            audio
                .body
                .contains("<audio id=\"video\" class=\"audio-bar\""),
            "{}",
            audio.body
        );
        assert!(!audio.body.contains("<video"));

        // The video's bytes with Range, as the player seeks.
        let file = format!("{}.mp4", sha256(&mp4));
        let url = format!("{}/media/{file}", site.base);
        let part = browser
            .http
            .get(&url)
            .header(COOKIE, browser.cookie_header())
            .header("Range", "bytes=100-199")
            .send()
            .await
            .expect("range");
        assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
        assert_eq!(part.bytes().await.expect("bytes").as_ref(), &mp4[100..200]);
        // Not served: a draft's lecture, a file no course plays, anything without a session.
        let draft = format!("/media/{}.wav", sha256(&draft_wav));
        let (draft_file, _) = media_of(&s.db, "DRAFT01").await;
        assert_eq!(draft_file.as_deref(), Some(&draft["/media/".len()..]));
        assert_eq!(browser.get(&draft).await.status, StatusCode::NOT_FOUND);
        let audio_file = format!("/media/{}.wav", sha256(&wav));
        assert_eq!(browser.get(&audio_file).await.status, StatusCode::OK);
        assert_eq!(
            browser.get("/media/stray.wav").await.status,
            StatusCode::NOT_FOUND
        );
        let mut anonymous = Browser::at(&site.base);
        let anon = anonymous.get(&format!("/media/{file}")).await;
        assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
    }
}
