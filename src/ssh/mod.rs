//! The SSH front: host keys, sign-in, `exec` commands and interactive terminal sessions.

mod exec;
pub mod keys;
mod server;
mod session;

pub use server::{Shared, serve};
