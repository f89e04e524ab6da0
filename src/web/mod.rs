//! The learner web site (axum): sign-in, home, catalogue, archive and certificate, media with
//! HTTP Range. Pages are rendered on the server (askama templates in `templates/`), in Simplified
//! Chinese, with one stylesheet served from the binary. Every decision is made in `app/`; this
//! layer only reads requests and renders answers.

mod check_image;
mod clock;
mod exam;
mod keys;
mod limit;
mod media;
mod pages;
mod play;
mod session;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::app::playback::Heartbeats;
use crate::store::Db;

pub use axum_extra::extract::cookie::Key;
pub use clock::Clock;
pub use keys::{KeyError, load_or_create_key};

/// What the site needs to run.
pub struct Options {
    pub db: Db,
    /// The cookie encryption key (see [`load_or_create_key`]).
    pub key: Key,
    /// The folder media files are served from.
    pub media_dir: PathBuf,
    /// Mark cookies `Secure` (set when the site is behind HTTPS).
    pub secure_cookies: bool,
    pub clock: Clock,
    /// This node's name, recorded with each playback lease.
    pub node: String,
}

/// Shared state of every request.
#[derive(Clone)]
pub struct Web(Arc<Inner>);

struct Inner {
    db: Db,
    key: Key,
    media_dir: PathBuf,
    secure: bool,
    clock: Clock,
    limiter: limit::Limiter,
    heartbeats: Heartbeats,
    node: String,
}

impl Web {
    /// Must be called inside the tokio runtime (it starts the heartbeat writer).
    pub fn new(o: Options) -> Web {
        let web = Web(Arc::new(Inner {
            heartbeats: Heartbeats::spawn(o.db.clone()),
            node: o.node,
            db: o.db,
            key: o.key,
            media_dir: o.media_dir,
            secure: o.secure_cookies,
            clock: o.clock,
            limiter: limit::Limiter::new(limit::SIGN_IN_PER_MINUTE),
        }));
        tokio::spawn(miss_lapsed_checks(Arc::downgrade(&web.0)));
        web
    }

    fn db(&self) -> &Db {
        &self.0.db
    }

    fn now(&self) -> i64 {
        self.0.clock.now()
    }
}

/// Every half minute, misses the anti-idle checks left unanswered by learners who closed the page
/// (the entry points miss them too, when the learner comes back). Ends with the site.
async fn miss_lapsed_checks(web: std::sync::Weak<Inner>) {
    let mut ticks = tokio::time::interval(std::time::Duration::from_secs(30));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let Some(inner) = web.upgrade() else {
            return;
        };
        if let Err(e) = crate::app::playback::miss_lapsed(&inner.db, inner.clock.now()).await {
            tracing::warn!("missing lapsed anti-idle checks: {e}");
        }
    }
}

/// Every route of the site.
pub fn router(web: Web) -> Router {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/password", get(pages::password_form).post(pages::password))
        .route("/courses", get(pages::catalogue))
        .route("/courses/{code}", get(play::course))
        .route("/courses/{code}/exam", get(exam::info).post(exam::start))
        .route("/courses/{code}/exam/{attempt}", post(exam::submit))
        .route("/api/courses/{code}/open", post(play::open))
        .route("/api/beat", post(play::beat))
        .route("/api/check", post(play::answer))
        .route("/api/check.svg", get(play::check_image))
        .route("/static/player.js", get(play::script))
        .route("/archive", get(pages::archive))
        .route("/archive/certificate", get(pages::certificate))
        .route("/static/style.css", get(pages::stylesheet))
        .route("/media/{file}", get(media::serve))
        .fallback(pages::not_found)
        .layer(axum::middleware::map_response(safety_headers))
        .with_state(web)
}

/// No framing (clickjacking), no content sniffing, no URLs leaked to other sites.
async fn safety_headers(mut r: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    let h = r.headers_mut();
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    r
}

/// Serves the site on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, web: Web) -> std::io::Result<()> {
    axum::serve(
        listener,
        router(web).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .await
}
