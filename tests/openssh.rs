//! Runs tests/openssh_tmux.sh (the real OpenSSH client in tmux against `wangyuan demo`) with the
//! binary under test. The script skips itself, with a notice, where tmux or ssh are missing.

#[test]
fn openssh_client_in_tmux_against_the_demo() {
    let out = std::process::Command::new("bash")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/openssh_tmux.sh"
        ))
        .arg(env!("CARGO_BIN_EXE_wangyuan"))
        .env_remove("WANGYUAN_DATABASE_URL")
        .output()
        .expect("run the script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("1 passed") || stdout.contains("skipped:"),
        "{stdout}"
    );
}
