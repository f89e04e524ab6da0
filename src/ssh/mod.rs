//! The SSH front: host keys, sign-in, `exec` commands and interactive terminal sessions.

pub mod keys;
