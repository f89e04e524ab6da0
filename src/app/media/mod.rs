//! Lecture media (issue 13 point 6): the college or the office uploads a course's lecture file.
//! The bytes stream to a hidden temporary file in the media folder as they arrive (hashed with
//! SHA-256 on the way, never held whole in memory, refused past the size limit); the file's own
//! duration, read by a demuxer, must match the course's (2 %) unless the uploader sets the
//! course's duration from it; the file is renamed to its content hash and the course switched to
//! it in one transaction with its audit row. The previous file stays in the folder: a learner may
//! be playing it right now, and content-addressed files are never overwritten with other bytes.

mod bounds;
pub mod probe;

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use crate::rules::media::{self as rules, Format};
use crate::store::media::{self as store, MediaFolder};
use crate::store::{Db, audit::AuditEntry, courses};

use super::{Actor, Error, Result};

/// Whether the actor may upload lecture media: the college (which runs the catalogue, Art. 14) or
/// the office. Asked by `Upload::begin` and by any front before it offers the action.
pub fn may_upload(actor: &Actor) -> Result<()> {
    actor.require_catalog("上传课件")
}

/// An upload under way: bytes go to a temporary file that is removed unless `finish` keeps it.
pub struct Upload {
    code: String,
    folder: MediaFolder,
    temp: PathBuf,
    file: Option<tokio::io::BufWriter<tokio::fs::File>>,
    hasher: Sha256,
    bytes: u64,
}

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Uploaded {
    pub code: String,
    /// The stored file's name in the media folder.
    pub file: String,
    pub format: Format,
    pub bytes: u64,
    pub sha256: String,
    pub file_ms: i64,
    pub duration_before_s: i64,
    pub duration_after_s: i64,
    /// The file the course played before (left in the media folder), if any.
    pub previous: Option<String>,
}

/// Write buffer between the arriving pieces and the disk.
const WRITE_BUFFER: usize = 1024 * 1024;

fn io_error(what: &str, e: std::io::Error) -> Error {
    Error::internal(format!("{what}：{e}"))
}

impl Upload {
    /// Checks the permission and the course, then opens the temporary file.
    pub async fn begin(db: &Db, actor: &Actor, code: &str) -> Result<Upload> {
        may_upload(actor)?;
        let folder = db
            .media()
            .cloned()
            .ok_or_else(|| Error::internal("未配置媒体目录"))?;
        let code = code.trim().to_string();
        courses::id_by_code(db.reader(), &code)
            .await?
            .ok_or_else(|| Error::NotFound(format!("课程 {code}")))?;
        tokio::fs::create_dir_all(&folder.dir)
            .await
            .map_err(|e| io_error("无法创建媒体目录", e))?;
        // A leading dot: the web never serves such a name (`web::media::is_plain_name`).
        let temp = folder
            .dir
            .join(format!(".upload-{:032x}.part", rand::random::<u128>()));
        let file = tokio::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .await
            .map_err(|e| io_error("无法创建临时文件", e))?;
        Ok(Upload {
            code,
            folder,
            temp,
            file: Some(tokio::io::BufWriter::with_capacity(WRITE_BUFFER, file)),
            hasher: Sha256::new(),
            bytes: 0,
        })
    }

    /// Appends one piece, refusing the upload once it passes the size limit.
    pub async fn write(&mut self, piece: &[u8]) -> Result<()> {
        self.bytes += piece.len() as u64;
        if self.bytes > self.folder.max_bytes {
            return Err(Error::invalid(
                "文件",
                format!(
                    "超过课件大小上限 {} 字节（设置项 media_max_bytes），未作更改",
                    self.folder.max_bytes
                ),
            ));
        }
        self.hasher.update(piece);
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| Error::internal("上传文件已关闭"))?;
        file.write_all(piece)
            .await
            .map_err(|e| io_error("无法写入临时文件", e))
    }

    /// Reads the file's format and duration, checks it against the course, stores it by its
    /// content hash and switches the course to it (one transaction, audited).
    pub async fn finish(
        mut self,
        db: &Db,
        actor: &Actor,
        set_duration: bool,
        now: i64,
    ) -> Result<Uploaded> {
        if let Some(mut file) = self.file.take() {
            file.flush()
                .await
                .map_err(|e| io_error("无法写入临时文件", e))?;
            file.get_mut()
                .sync_all()
                .await
                .map_err(|e| io_error("无法写入临时文件", e))?;
        }
        if self.bytes == 0 {
            return Err(Error::invalid(
                "文件",
                "标准输入为空：请用 course media 课程编号 < 课件文件 上传",
            ));
        }
        let path = self.temp.clone();
        let probed = super::off_runtime(move || probe::probe(&path))
            .await?
            .map_err(|e| io_error("无法读取临时文件", e))?
            .map_err(|e| Error::invalid("文件", e.to_string()))?;
        let sha256 = hex(&self.hasher.clone().finalize());
        let name = rules::stored_name(&sha256, probed.format);
        let file_s = rules::whole_seconds(probed.duration_ms);

        let mut tx = db.begin().await?;
        let course = courses::by_code(&mut *tx, &self.code)
            .await?
            .ok_or_else(|| Error::NotFound(format!("课程 {}", self.code)))?;
        if !set_duration && !rules::duration_matches(course.duration_s, probed.duration_ms) {
            return Err(Error::invalid(
                "时长",
                format!(
                    "文件时长 {} 与课程 {} 的时长 {} 相差超过 2%，未作更改；\
                     如课程时长有误，加 --set-duration 以文件时长为准",
                    rules::clock(probed.duration_ms),
                    course.code,
                    rules::clock(course.duration_s * 1000)
                ),
            ));
        }
        if set_duration && file_s <= 0 {
            return Err(Error::invalid(
                "时长",
                "文件时长不足 1 秒，不能作为课程时长",
            ));
        }
        // Renamed before the row points at it: the row never names a file that is not there.
        // Same name, same bytes: an existing file is kept as it is.
        let target = self.folder.dir.join(&name);
        if tokio::fs::try_exists(&target).await.unwrap_or(false) {
            let _ = tokio::fs::remove_file(&self.temp).await;
        } else {
            tokio::fs::rename(&self.temp, &target)
                .await
                .map_err(|e| io_error("无法保存课件文件", e))?;
        }
        let new_duration = set_duration.then_some(file_s);
        store::set(&mut tx, course.id, &name, new_duration).await?;
        let after_s = new_duration.unwrap_or(course.duration_s);
        crate::store::audit::write(
            &mut tx,
            &AuditEntry {
                action: "course.media",
                target: course.code.clone(),
                before: Some(format!(
                    "{}（{} 秒）",
                    course.media_path.as_deref().unwrap_or("无课件"),
                    course.duration_s
                )),
                after: Some(format!("{name}（{after_s} 秒）")),
                detail: format!(
                    "{}，{} 字节，文件时长 {}，SHA-256 {sha256}",
                    probed.format.label(),
                    self.bytes,
                    rules::clock(probed.duration_ms)
                ),
                ..actor.audit_entry()
            },
            now,
        )
        .await?;
        super::changes::commit(db, tx, &[super::changes::Topic::Catalog]).await?;
        Ok(Uploaded {
            code: course.code,
            file: name,
            format: probed.format,
            bytes: self.bytes,
            sha256,
            file_ms: probed.duration_ms,
            duration_before_s: course.duration_s,
            duration_after_s: after_s,
            previous: course.media_path,
        })
    }
}

impl Drop for Upload {
    fn drop(&mut self) {
        // Gone already when kept (renamed) or never made; any other error leaves a hidden
        // `.upload-*.part` file that nothing serves.
        let _ = std::fs::remove_file(&self.temp);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A published course's lecture as the course page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lecture {
    pub file: String,
    pub video: bool,
}

/// The lecture of a published course: None when it has none yet (the page then says so).
pub async fn lecture(db: &Db, code: &str) -> Result<Option<Lecture>> {
    let file = store::of_published(db.reader(), code)
        .await?
        .ok_or_else(|| Error::NotFound(format!("课程 {code}")))?;
    Ok(file.filter(|f| !f.is_empty()).map(|file| {
        // Names without a known extension (older demo media) play as video, as before.
        let video = rules::format_of_name(&file).is_none_or(Format::is_video);
        Lecture { file, video }
    }))
}

/// Whether `file` may be streamed: it must be the lecture of a published course (drafts and
/// retired courses are not served, and neither is anything else in the folder).
pub async fn may_stream(db: &Db, file: &str) -> Result<()> {
    if store::is_published(db.reader(), file).await? {
        Ok(())
    } else {
        Err(Error::NotFound("该媒体文件".into()))
    }
}
