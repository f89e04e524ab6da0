//! Course media for signed-in users, with HTTP Range (206/416) so the player can seek. Only plain
//! file names inside the media folder are served, and only the lectures of published courses.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use super::Web;
use super::session::Me;

/// A plain file name: letters, digits, '.', '-', '_', not starting with '.'.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

pub async fn serve(
    _me: Me,
    State(web): State<Web>,
    Path(file): Path<String>,
    req: Request,
) -> Response {
    if !is_plain_name(&file) {
        return (StatusCode::NOT_FOUND, "未找到该媒体文件。").into_response();
    }
    if let Err(e) = crate::app::media::may_stream(web.db(), &file).await {
        return super::answer::WebError::Api(e).into_response();
    }
    let path = web.0.media_dir.join(&file);
    match ServeFile::new(path).oneshot(req).await {
        Ok(resp) => resp.map(Body::new).into_response(),
        Err(never) => match never {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names() {
        assert!(is_plain_name("LD001.webm"));
        assert!(is_plain_name("a-b_c.mp4"));
        for bad in [
            "",
            "../x",
            ".hidden",
            "a/b",
            "a\\b",
            "%2e%2e",
            "a b",
            "中文.mp4",
        ] {
            assert!(!is_plain_name(bad), "{bad}");
        }
    }
}
