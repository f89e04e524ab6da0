//! wangyuan (网院): the cadre online-learning college of a city. See docs/architecture.md for the
//! layers: `rules` (pure) ← `store` (SQL) ← `app` (use-cases, permissions, audit) ← fronts
//! (`cli`, `cmd`, `tui`, `ssh`, `web`) and the `demo` loader, which write only through `app` and
//! `store`.

pub mod app;
pub mod cli;
pub mod cmd;
pub mod config;
pub mod demo;
pub mod keyfile;
pub mod net;
pub mod rules;
pub mod ssh;
pub mod store;
pub mod tui;
pub mod web;
