//! The learner site over real HTTP on 127.0.0.1 (port 0) with a manual clock, and a browser that
//! keeps its cookies and follows no redirects.

use std::collections::HashMap;
use std::path::PathBuf;

use reqwest::StatusCode;
use reqwest::header::{COOKIE, HeaderMap, LOCATION, SET_COOKIE};
use wangyuan::store::Db;
use wangyuan::web::{self, Clock, Options, Web};

/// A site on 127.0.0.1; its media folder lives as long as it does.
pub struct Site {
    pub base: String,
    pub clock: Clock,
    pub key: web::Key,
    pub media: tempfile::TempDir,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Site {
    /// An empty media folder, a manual clock at `now` and a fresh cookie key.
    pub async fn start(db: &Db, now: i64) -> Site {
        let media = tempfile::tempdir().expect("media dir");
        let dir = media.path().to_path_buf();
        Site::serve(
            db,
            web::Key::generate(),
            Clock::manual(now),
            media,
            dir,
            "test",
        )
        .await
    }

    /// Serves `media_dir` (inside `media`, which the site keeps) with `key` and `clock`.
    pub async fn serve(
        db: &Db,
        key: web::Key,
        clock: Clock,
        media: tempfile::TempDir,
        media_dir: PathBuf,
        node: &str,
    ) -> Site {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let site = Web::new(Options {
            db: db.clone(),
            key: key.clone(),
            media_dir,
            secure_cookies: false,
            clock: clock.clone(),
            node: node.into(),
        });
        let task = tokio::spawn(web::serve(listener, site));
        Site {
            base,
            clock,
            key,
            media,
            task,
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub headers: HeaderMap,
    pub body: String,
}

/// A browser: follows no redirects, keeps cookies.
pub struct Browser {
    pub base: String,
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
}

impl Browser {
    pub fn new(site: &Site) -> Browser {
        Browser::at(&site.base)
    }

    /// A browser for the site at `base` (e.g. `http://127.0.0.1:8080`).
    pub fn at(base: &str) -> Browser {
        Browser {
            base: base.to_string(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: HashMap::new(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header(COOKIE, self.cookie_header())
        };
        let resp = req.send().await.expect("request");
        for v in resp.headers().get_all(SET_COOKIE) {
            let text = v.to_str().expect("cookie text");
            let pair = text.split(';').next().unwrap_or("");
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || text.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_string(), value.to_string());
                }
            }
        }
        Page {
            status: resp.status(),
            headers: resp.headers().clone(),
            location: resp
                .headers()
                .get(LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string),
            body: resp.text().await.expect("body"),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.base));
        self.send(req).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self.http.post(format!("{}{path}", self.base)).form(form);
        self.send(req).await
    }

    /// A JSON call of the player's API with its CSRF header: the status, the JSON and its text.
    pub async fn api(
        &mut self,
        path: &str,
        csrf: &str,
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value, String) {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .header("X-CSRF-Token", csrf)
            .json(&body);
        let page = self.send(req).await;
        let json = serde_json::from_str(&page.body).unwrap_or(serde_json::Value::Null);
        (page.status, json, page.body)
    }

    /// Signs in through the form; returns the answer to the POST.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/login").await;
        assert_eq!(form.status, StatusCode::OK);
        let csrf = csrf_of(&form.body);
        self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("csrf", &csrf),
            ],
        )
        .await
    }
}

/// The value that follows `marker` up to the next quote (a CSRF token in a page).
pub fn attribute(html: &str, marker: &str) -> String {
    let start = html.find(marker).expect("marker in the page") + marker.len();
    html[start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string()
}

/// The CSRF token in a page's form.
pub fn csrf_of(html: &str) -> String {
    attribute(html, "name=\"csrf\" value=\"")
}
