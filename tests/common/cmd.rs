//! Scripted commands run in-process through `cmd::run_line`, as `ssh host COMMAND` would.

use serde_json::Value;
use wangyuan::app::Actor;
use wangyuan::cmd;
use wangyuan::store::Db;

/// What a command wrote and how it ended.
pub struct Ran {
    pub code: i32,
    pub out: Vec<u8>,
    pub err: String,
}

impl Ran {
    /// Standard output, which must be UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8(self.out.clone()).expect("utf-8 output")
    }

    /// Standard output with any bad bytes replaced, for outputs under attack.
    pub fn lossy(&self) -> String {
        String::from_utf8_lossy(&self.out).into_owned()
    }

    /// The JSON array a successful command printed.
    pub fn json(&self) -> Vec<Value> {
        assert_eq!(self.code, 0, "{}", self.err);
        match serde_json::from_slice(&self.out).expect("json") {
            Value::Array(rows) => rows,
            other => panic!("not an array: {other}"),
        }
    }

    /// CSV header and the records after it.
    pub fn csv(&self) -> (Vec<String>, Vec<Vec<String>>) {
        assert_eq!(self.code, 0, "{}", self.err);
        let mut r = csv::Reader::from_reader(self.out.as_slice());
        let header = r
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let rows = r
            .records()
            .map(|rec| rec.expect("record").iter().map(String::from).collect())
            .collect();
        (header, rows)
    }
}

/// Runs `line` for `actor` with `input` on standard input.
pub async fn run(db: &Db, actor: &Actor, line: &str, input: &[u8]) -> Ran {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut stdin = cmd::Stdin::from_bytes(input.to_vec());
    let code = cmd::run_line(db, actor, line, &mut stdin, &mut out, &mut err).await;
    Ran {
        code,
        out,
        err: String::from_utf8(err).expect("utf-8 errors"),
    }
}

/// Runs `line` and returns (exit code, standard output, standard error), both UTF-8.
pub async fn run_text(db: &Db, actor: &Actor, line: &str, input: &str) -> (i32, String, String) {
    let ran = run(db, actor, line, input.as_bytes()).await;
    (ran.code, ran.text(), ran.err)
}
