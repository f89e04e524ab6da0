//! The session cookie (encrypted with the key in `keys/`: it holds the session id and the CSRF
//! token), the `Me` extractor that turns it into a live session, and CSRF checks.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::{Cookie, PrivateCookieJar, SameSite};
use rand::RngCore;

use crate::app::sessions::{self, MAX_SECS, Session};

use super::Web;

/// The session cookie: `<session id>.<csrf token>`.
pub const SESSION_COOKIE: &str = "wy_session";
/// Before sign-in: the CSRF token of the sign-in form.
pub const FORM_COOKIE: &str = "wy_form";

/// A random token, 128 bits in hex.
pub fn token() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An HttpOnly, SameSite=Lax cookie for the whole site.
pub fn cookie(web: &Web, name: &'static str, value: String) -> Cookie<'static> {
    let mut c = Cookie::new(name, value);
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(web.0.secure);
    c.set_max_age(time::Duration::seconds(MAX_SECS));
    c
}

/// A cookie that removes `name`.
pub fn removal(name: &'static str) -> Cookie<'static> {
    let mut c = Cookie::from(name);
    c.set_path("/");
    c
}

pub fn jar(web: &Web, parts: &Parts) -> PrivateCookieJar {
    PrivateCookieJar::from_headers(&parts.headers, web.0.key.clone())
}

/// The caller's address (the TCP peer).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Peer, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip())
                .unwrap_or(IpAddr::from([0, 0, 0, 0])),
        ))
    }
}

/// The signed-in caller. Pages without a session redirect to the sign-in page; media and API
/// requests are refused with 401. A caller who must change the password is sent there first.
pub struct Me {
    pub session: Session,
    pub csrf: String,
}

impl Me {
    pub fn actor(&self) -> &crate::app::Actor {
        &self.session.actor
    }
}

fn is_api(path: &str) -> bool {
    path.starts_with("/media/") || path.starts_with("/api/")
}

/// The session cookie alone, decrypted but not looked up: for the heartbeat API, which checks
/// the session inside its batch (see `app::playback::Heartbeats`). Refused with 401 when absent.
pub struct Cookied {
    pub session_id: String,
    pub csrf: String,
    pub peer: IpAddr,
}

impl FromRequestParts<Web> for Cookied {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Cookied, Response> {
        let value = jar(web, parts).get(SESSION_COOKIE);
        let Some((session_id, csrf)) = value
            .as_ref()
            .and_then(|c| c.value().split_once('.'))
            .map(|(s, c)| (s.to_string(), c.to_string()))
        else {
            return Err(refusal(parts.uri.path()));
        };
        let Peer(peer) = match Peer::from_request_parts(parts, web).await {
            Ok(p) => p,
            Err(never) => match never {},
        };
        Ok(Cookied {
            session_id,
            csrf,
            peer,
        })
    }
}

/// No live session: pages go to the sign-in page, media and the API get 401.
fn refusal(path: &str) -> Response {
    if is_api(path) {
        (StatusCode::UNAUTHORIZED, "请先登录。").into_response()
    } else {
        Redirect::to("/login").into_response()
    }
}

impl FromRequestParts<Web> for Me {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<Me, Response> {
        let cookied = Cookied::from_request_parts(parts, web).await?;
        let path = parts.uri.path();
        let address = cookied.peer.to_string();
        let session =
            match sessions::resume(web.db(), &cookied.session_id, &address, web.now()).await {
                Ok(Some(s)) => s,
                Ok(None) => return Err(refusal(path)),
                Err(e) => return Err(super::answer::WebError::Page(e).into_response()),
            };
        if session.must_change && path != "/password" && path != "/logout" {
            return Err(if is_api(path) {
                (StatusCode::FORBIDDEN, "请先修改初始密码。").into_response()
            } else {
                Redirect::to("/password").into_response()
            });
        }
        Ok(Me {
            session,
            csrf: cookied.csrf,
        })
    }
}
