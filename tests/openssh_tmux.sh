#!/usr/bin/env bash
# Drives the real OpenSSH client against `wangyuan demo`: key sign-in and exec commands with their
# exit codes, then an interactive session in tmux (password typed at OpenSSH's prompt, screens,
# quit). Skips with a notice where tmux, ssh or ssh-keygen are missing.
# Usage: tests/openssh_tmux.sh [path/to/wangyuan]   (default target/debug/wangyuan)
set -euo pipefail

for tool in tmux ssh ssh-keygen sftp; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "skipped: openssh_tmux ($tool is not installed)"
    exit 0
  fi
done

bin=$(realpath "${1:-target/debug/wangyuan}")
work=$(mktemp -d)
session="wy$$"
demo_pid=""
cleanup() {
  tmux kill-session -t "$session" 2>/dev/null || true
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

export WANGYUAN_DATA_DIR="$work/data" WANGYUAN_KEYS_DIR="$work/keys" WANGYUAN_LOG=info
# Port 0: the server prints the port it bound (ssh_listen=ADDR), read below.
export WANGYUAN_SSH_LISTEN="127.0.0.1:0" WANGYUAN_HTTP_LISTEN="127.0.0.1:0"
unset WANGYUAN_DATABASE_URL
cd "$work"
"$bin" demo --learners 300 >"$work/demo.log" 2>&1 &
demo_pid=$!

fail() { echo "openssh_tmux: FAILED: $*"; echo "--- demo log"; tail -n 30 "$work/demo.log"; exit 1; }
wait_for() { # file-or-pane, text, seconds
  local what=$1 text=$2 secs=${3:-30}
  for _ in $(seq 1 $((secs * 10))); do
    if [ "$what" = pane ]; then
      tmux capture-pane -p -t "$session" 2>/dev/null | grep -q -- "$text" && return 0
    else
      grep -q -- "$text" "$what" 2>/dev/null && return 0
    fi
    sleep 0.1
  done
  return 1
}

wait_for "$work/demo.log" "服务已就绪" 120 || fail "demo did not start"
port=$(sed -n 's/^ssh_listen=127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/demo.log")
[ -n "$port" ] || fail "demo printed no ssh_listen= line"
password_of() { grep "用户名 $1，" "$work/data/demo-credentials.txt" | sed 's/.*密码 //' | tr -d '[:space:]'; }
lx_password=$(password_of lx_liaison)
[ -n "$lx_password" ] || fail "no password for lx_liaison in the credentials file"

ssh-keygen -q -t ed25519 -N '' -C 'openssh test' -f "$work/id"
WANGYUAN_DATABASE_URL="sqlite://$work/data/demo.db" "$bin" admin add-key office <"$work/id.pub" >/dev/null \
  || fail "admin add-key"
ssh_opts=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p "$port")
run() { ssh "${ssh_opts[@]}" -i "$work/id" -o BatchMode=yes office@127.0.0.1 "$@"; }

out=$(run whoami) || fail "whoami exit $?"
grep -q office <<<"$out" || fail "whoami printed: $out"
out=$(run report units --year 2026 --format csv) || fail "report units exit $?"
grep -q "LX" <<<"$out" || fail "report units printed: $out"
set +e
run report nonsense >/dev/null 2>&1
code=$?
set -e
[ "$code" = 2 ] || fail "a usage error should exit 2, got $code"
# The host key signs with SHA-2 only: a client that insists on ssh-rsa (SHA-1) finds no common
# algorithm, one that asks for rsa-sha2-256 signs in.
with_key() { ssh "${ssh_opts[@]}" -i "$work/id" -o BatchMode=yes "$@"; }
set +e
with_key -o HostKeyAlgorithms=ssh-rsa office@127.0.0.1 whoami >/dev/null 2>&1
code=$?
set -e
[ "$code" = 255 ] || fail "an ssh-rsa (SHA-1) host key should be refused, got exit $code"
with_key -o HostKeyAlgorithms=rsa-sha2-256 office@127.0.0.1 whoami >/dev/null || fail "rsa-sha2-256 host key: exit $?"
# sftp is refused at once (an unanswered subsystem request left the client hanging).
set +e
sftp_out=$(timeout 20 sftp -b /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  -o BatchMode=yes -i "$work/id" -P "$port" office@127.0.0.1 2>&1)
code=$?
set -e
[ "$code" = 124 ] && fail "sftp hung"
[ "$code" = 0 ] && fail "sftp was accepted"
grep -q "subsystem request failed" <<<"$sftp_out" || fail "sftp printed: $sftp_out"

tmux new-session -d -s "$session" -x 100 -y 30 "ssh ${ssh_opts[*]} -o PubkeyAuthentication=no lx_liaison@127.0.0.1"
wait_for pane "assword" 20 || fail "no password prompt"
tmux send-keys -t "$session" "$lx_password" Enter
wait_for pane "总览" 20 || fail "no dashboard: $(tmux capture-pane -p -t "$session")"
wait_for pane "娄星区" 20 || fail "no scope in the header"
tmux send-keys -t "$session" 2
wait_for pane "花名册" 10 || fail "roster did not open"
tmux send-keys -t "$session" C-c
wait_for pane "退出" 10 || fail "Ctrl-C did not ask before quitting"
tmux send-keys -t "$session" y
for _ in $(seq 1 50); do
  tmux has-session -t "$session" 2>/dev/null || break
  sleep 0.1
done
tmux has-session -t "$session" 2>/dev/null && fail "the session did not end after quitting"
echo "openssh_tmux: 1 passed, 0 failed"
