//! The SSH front: host keys, sign-in, `exec` commands and interactive terminal sessions.

mod algorithms;
mod exec;
mod gate;
pub mod keys;
mod server;
mod session;

pub use gate::Limits;
pub use server::{Shared, serve, server_config};
