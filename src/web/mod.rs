//! The learner web site (axum): sign-in, home, catalogue, archive and certificate, training
//! classes with their 结业证书 and its public verification, media with HTTP Range. Pages are rendered on the server (askama templates in `templates/`), in Simplified
//! Chinese, with one stylesheet served from the binary. Every decision is made in `app/`; this
//! layer only reads requests and renders answers.

mod answer;
mod check_image;
mod classes;
mod clock;
mod csrf;
mod exam;
mod keys;
mod limit;
mod media;
mod notices;
mod pages;
mod play;
mod session;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};

use crate::app::playback::Heartbeats;
use crate::store::Db;

pub use axum_extra::extract::cookie::Key;
pub use classes::VERIFY_PER_MINUTE;
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
    verify_limiter: limit::Limiter,
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
            verify_limiter: limit::Limiter::new(classes::VERIFY_PER_MINUTE),
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

/// Every route of the site. Everything behind sign-in, and the sign-in page itself, is personal:
/// one layer marks those answers `no-store`, so no browser or proxy keeps a learner's pages, the
/// playback API's answers or a sign-in form's token. Only the site's own stylesheet and scripts,
/// the same for everyone, may be cached. Every answer carries the strict security headers.
pub fn router(web: Web) -> Router {
    router_with(Router::new(), web)
}

/// The site with `extra` routes under the same layers (tests add a handler that panics, to see
/// that it is contained).
#[doc(hidden)]
pub fn router_with(extra: Router<Web>, web: Web) -> Router {
    let personal = extra
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
        .route("/notices", get(notices::list))
        .route("/notices/{id}", get(notices::show).post(notices::open))
        .route("/archive", get(pages::archive))
        .route("/archive/certificate", get(pages::certificate))
        .route("/classes/{id}/certificate", get(classes::certificate))
        // Public (no sign-in), but it shows a person's name: kept by no cache either.
        .route("/verify", get(classes::verify_form))
        .route("/verify/{code}", get(classes::verify))
        .route("/media/{file}", get(media::serve))
        .layer(axum::middleware::map_response(personal_headers));
    Router::new()
        .merge(personal)
        .route("/static/style.css", get(pages::stylesheet))
        .route("/static/player.js", get(play::script))
        .route("/static/exam.js", get(exam::script))
        .fallback(pages::not_found)
        // A panicking handler ends its own request with a 500 page, not the connection (and the
        // runtime's other tasks never notice).
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            answer::panicked,
        ))
        // Forms and beats are small; axum's default (2 MB) would let one request post megabytes.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(safety_headers))
        .with_state(web)
}

/// The largest request body read (a sign-in form, an exam sheet, a beat).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Scripts, styles, media and requests only from this site: no inline script, style or handler
/// (the player and the exam countdown are the site's own files), no plugins, no framing, forms
/// post only here, and no `<base>` to redirect relative links.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; object-src 'none'; \
     frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/// No framing (clickjacking), no content sniffing, no URLs leaked to other sites, nothing run or
/// loaded from elsewhere.
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
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    r
}

/// A personal answer is kept by no cache (a shared office computer's back button, a proxy).
async fn personal_headers(mut r: axum::response::Response) -> axum::response::Response {
    use axum::http::{HeaderValue, header};
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// Serves the site on `listener` until the task is dropped, with the default header timeout.
pub async fn serve(listener: tokio::net::TcpListener, web: Web) -> std::io::Result<()> {
    let default = crate::config::Settings::default().http_header_timeout_secs;
    serve_with_header_timeout(listener, web, Duration::from_secs(default)).await
}

/// Serves the site; a client that has not sent a whole request header within `header_timeout`
/// (of connecting, or of its previous answer on a kept-alive connection) is disconnected.
/// axum::serve sets no timer, so half-sent requests held their descriptors for good.
pub async fn serve_with_header_timeout(
    listener: tokio::net::TcpListener,
    web: Web,
    header_timeout: Duration,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::ServiceExt;
    let router = router(web);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    loop {
        let (socket, peer) = crate::net::accept(&listener).await;
        let service = router
            .clone()
            .map_request(move |mut r: axum::extract::Request<_>| {
                r.extensions_mut().insert(axum::extract::ConnectInfo(peer));
                r
            });
        let connection = http.serve_connection(
            TokioIo::new(socket),
            hyper_util::service::TowerToHyperService::new(service),
        );
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, %peer, "HTTP 连接结束");
            }
        });
    }
}
