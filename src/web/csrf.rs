//! CSRF checks, in one place. A POST handler receives its caller only through `CsrfForm` (a form
//! with a `csrf` field) or `CsrfHeader` (the `X-CSRF-Token` header of the player's API), so a
//! handler that skipped the check would have no `Me` to act for and would not compile.

use axum::Form;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use subtle::ConstantTimeEq;

use super::Web;
use super::answer::WebError;
use super::session::{Cookied, Me};

/// Compares in constant time (for equal lengths); an empty token never matches.
pub fn same_token(a: &str, b: &str) -> bool {
    !a.is_empty() && a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A caller who holds a session's CSRF token.
pub trait Holder {
    fn csrf(&self) -> &str;
}

impl Holder for Me {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl Holder for Cookied {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// A posted form that carries the token it was served with.
pub trait Posted {
    fn csrf(&self) -> &str;
}

/// An exam sheet: its answers and the token, as repeated fields.
impl Posted for Vec<(String, String)> {
    fn csrf(&self) -> &str {
        self.iter()
            .find(|(k, _)| k == "csrf")
            .map_or("", |(_, v)| v.as_str())
    }
}

fn check(holder: &impl Holder, sent: &str) -> Result<(), WebError> {
    if same_token(sent, holder.csrf()) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

/// The signed-in caller and a form whose token is theirs.
pub struct CsrfForm<T>(pub Me, pub T);

impl<T> FromRequest<Web> for CsrfForm<T>
where
    T: DeserializeOwned + Posted + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, web: &Web) -> Result<CsrfForm<T>, Response> {
        let (mut parts, body) = req.into_parts();
        let me = Me::from_request_parts(&mut parts, web).await?;
        let Form(form) = Form::<T>::from_request(Request::from_parts(parts, body), web)
            .await
            .map_err(IntoResponse::into_response)?;
        check(&me, form.csrf()).map_err(IntoResponse::into_response)?;
        Ok(CsrfForm(me, form))
    }
}

/// A caller (`Me`, or `Cookied` for the heartbeat) whose `X-CSRF-Token` header is theirs.
pub struct CsrfHeader<A>(pub A);

impl<A> FromRequestParts<Web> for CsrfHeader<A>
where
    A: FromRequestParts<Web, Rejection = Response> + Holder + Send,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, web: &Web) -> Result<CsrfHeader<A>, Response> {
        let caller = A::from_request_parts(parts, web).await?;
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        check(&caller, sent).map_err(IntoResponse::into_response)?;
        Ok(CsrfHeader(caller))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::session::token;

    #[test]
    fn tokens() {
        let a = token();
        assert_eq!(a.len(), 32);
        assert_ne!(a, token());
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &token()));
        assert!(!same_token("", ""));
        assert!(!same_token("ab", "abc"));
    }
}
