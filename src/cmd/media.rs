//! `course media CODE [--set-duration] < file`: the college uploads a course's lecture. The file
//! streams from standard input to the media folder piece by piece (`app::media::Upload`).

use crate::app::media::Upload;
use crate::app::{self, Actor, Error, Result};
use crate::rules::media::clock;
use crate::store::Db;

use super::Stdin;
use super::args::MediaArgs;
use super::format::{Cell, Column, Table, col};

const UPLOADED: &[Column] = &[
    col("course", "课程编号"),
    col("file", "课件文件"),
    col("format", "格式"),
    col("bytes", "字节数"),
    col("file_duration", "文件时长"),
    col("duration_before_s", "原课程时长（秒）"),
    col("duration_s", "课程时长（秒）"),
    col("sha256", "SHA-256"),
    col("previous", "原课件文件"),
];

pub async fn upload(db: &Db, actor: &Actor, a: &MediaArgs, stdin: &mut Stdin) -> Result<Table> {
    let mut upload = Upload::begin(db, actor, &a.code).await?;
    while let Some(piece) = stdin
        .next_piece()
        .await
        .map_err(|e| Error::invalid("标准输入", e.to_string()))?
    {
        upload.write(&piece).await?;
    }
    let done = upload.finish(db, actor, a.set_duration, app::now()).await?;
    let mut t = Table::new(UPLOADED);
    let changed = done.duration_after_s != done.duration_before_s;
    t.title = Some(if changed {
        format!(
            "已上传课件，课程时长已由 {} 秒改为 {} 秒（已获得的学分保持不变）。",
            done.duration_before_s, done.duration_after_s
        )
    } else {
        "已上传课件。".to_string()
    });
    t.rows.push(vec![
        Cell::text(done.code),
        Cell::text(done.file),
        Cell::text(done.format.label()),
        Cell::Int(i64::try_from(done.bytes).unwrap_or(i64::MAX)),
        Cell::text(clock(done.file_ms)),
        Cell::Int(done.duration_before_s),
        Cell::Int(done.duration_after_s),
        Cell::text(done.sha256),
        done.previous.map_or(Cell::Empty, Cell::text),
    ]);
    Ok(t)
}
