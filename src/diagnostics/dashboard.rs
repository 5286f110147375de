//! The dashboard (cargo feature `dashboard`): a page on a loopback port that shows runs
//! live, as Dask's on port 8787: progress per task group (done, running, waiting,
//! failed), the task stream by worker, memory (resident, spilled, the budget), bytes
//! read, and the workers. The page and its script are in the binary; the state is
//! pushed to it as server-sent events four times a second. Served by hyper on a thread
//! of its own (a one-thread tokio runtime); the engine only calls the observer.
//!
//! Loopback is not private on a shared login node: the page and its events answer only
//! requests that carry the random token printed with the URL (as Jupyter does), unless
//! the dashboard was started without one; any other request gets 403.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body, Frame};
use hyper::{Request, Response, StatusCode};

use crate::engine::{Event, Observer};
use crate::{Error, Result};

/// Tasks kept for the stream on the page.
const STREAM: usize = 2000;

/// A running dashboard; an [`Observer`] of the runs of the configurations it is on
/// ([`crate::Config::dashboard`]). The server stops when the process ends.
pub struct Dashboard {
    addr: SocketAddr,
    token: Option<String>,
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct Group {
    name: String,
    total: u64,
    done: u64,
    running: u64,
    failed: u64,
}

struct State {
    origin: Instant,
    runs: u64,
    running: bool,
    groups: Vec<Group>,
    index: HashMap<String, usize>,
    /// Tasks finished per (rank, worker).
    workers: Vec<((usize, usize), u64)>,
    /// (group, rank, worker, start ms, end ms) of the latest tasks.
    stream: VecDeque<(usize, usize, usize, f64, f64)>,
    spilled: u64,
    bytes_read: u64,
    budget: Option<u64>,
}

impl State {
    fn group(&mut self, label: &str) -> usize {
        if let Some(&i) = self.index.get(label) {
            return i;
        }
        self.groups.push(Group {
            name: label.to_string(),
            ..Group::default()
        });
        self.index.insert(label.to_string(), self.groups.len() - 1);
        self.groups.len() - 1
    }

    fn ms(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.origin).as_secs_f64() * 1e3
    }

    /// The state as JSON, for the page.
    fn json(&self) -> String {
        let mut s = String::with_capacity(4096 + 40 * self.stream.len());
        let (total, done) = self
            .groups
            .iter()
            .fold((0, 0), |(t, d), g| (t + g.total, d + g.done));
        let _ = write!(
            s,
            "{{\"runs\":{},\"running\":{},\"now_ms\":{:.1},\"tasks\":{total},\"done\":{done},\"rss_mb\":{:.1},\"spilled_mb\":{:.3},\"budget_mb\":{},\"bytes_read\":{},\"groups\":[",
            self.runs,
            self.running,
            self.ms(Instant::now()),
            super::profile::rss_mb().unwrap_or(0.0),
            self.spilled as f64 / 1e6,
            self.budget
                .map_or("null".to_string(), |b| format!("{:.3}", b as f64 / 1e6)),
            self.bytes_read,
        );
        for (i, g) in self.groups.iter().enumerate() {
            let _ = write!(
                s,
                "{}{{\"name\":\"{}\",\"total\":{},\"done\":{},\"running\":{},\"failed\":{}}}",
                if i > 0 { "," } else { "" },
                json_escape(&g.name),
                g.total,
                g.done,
                g.running,
                g.failed
            );
        }
        s.push_str("],\"workers\":[");
        for (i, ((rank, worker), n)) in self.workers.iter().enumerate() {
            let _ = write!(
                s,
                "{}{{\"rank\":{rank},\"worker\":{worker},\"tasks\":{n}}}",
                if i > 0 { "," } else { "" }
            );
        }
        s.push_str("],\"stream\":[");
        for (i, (g, rank, worker, a, b)) in self.stream.iter().enumerate() {
            let _ = write!(
                s,
                "{}[{g},{rank},{worker},{a:.2},{b:.2}]",
                if i > 0 { "," } else { "" }
            );
        }
        s.push_str("]}");
        s
    }
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

impl std::fmt::Debug for Dashboard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Dashboard(http://{})", self.addr)
    }
}

impl Dashboard {
    /// Starts the page on `addr` (`127.0.0.1:8787`; port 0 picks a free one), with a
    /// random token that every request must carry unless `token` is false. Fails, with
    /// the address named, when the port is taken or the address is not this machine's.
    pub fn start(addr: &str, token: bool) -> Result<Arc<Dashboard>> {
        let listener = std::net::TcpListener::bind(addr)
            .map_err(|e| Error::invalid(format!("dashboard: cannot listen on {addr}: {e}")))?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::invalid(format!("dashboard: {addr}: {e}")))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::invalid(format!("dashboard: {addr}: {e}")))?;
        let dashboard = Arc::new(Dashboard {
            addr: local,
            token: token.then(random_token),
            state: Arc::new(Mutex::new(State {
                origin: Instant::now(),
                runs: 0,
                running: false,
                groups: Vec::new(),
                index: HashMap::new(),
                workers: Vec::new(),
                stream: VecDeque::new(),
                spilled: 0,
                bytes_read: 0,
                budget: None,
            })),
        });
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| Error::invalid(format!("dashboard: no runtime: {e}")))?;
        let served = Arc::clone(&dashboard);
        std::thread::Builder::new()
            .name("chunkwise-dashboard".into())
            .spawn(move || runtime.block_on(serve(listener, served)))
            .map_err(|e| Error::invalid(format!("dashboard: no thread: {e}")))?;
        Ok(dashboard)
    }

    /// The page's address, with its token: what to open.
    pub fn url(&self) -> String {
        match &self.token {
            Some(t) => format!("http://{}/?token={t}", self.addr),
            None => format!("http://{}/", self.addr),
        }
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn allowed(&self, query: Option<&str>) -> bool {
        match &self.token {
            None => true,
            Some(t) => query.is_some_and(|q| {
                q.split('&')
                    .any(|kv| kv.strip_prefix("token=").is_some_and(|v| v == t))
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Observer for Dashboard {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::TaskStarted { key, .. } => {
                let mut s = self.state();
                let g = s.group(key.label());
                s.groups[g].running += 1;
            }
            Event::TaskFinished {
                key,
                worker,
                rank,
                start,
                end,
                ..
            } => {
                let mut s = self.state();
                let g = s.group(key.label());
                let group = &mut s.groups[g];
                group.running = group.running.saturating_sub(1);
                group.done += 1;
                let lane = (*rank, *worker);
                match s.workers.iter_mut().find(|w| w.0 == lane) {
                    Some(w) => w.1 += 1,
                    None => {
                        s.workers.push((lane, 1));
                        s.workers.sort_unstable();
                    }
                }
                let (a, b) = (s.ms(*start), s.ms(*end));
                if s.stream.len() == STREAM {
                    s.stream.pop_front();
                }
                s.stream.push_back((g, *rank, *worker, a, b));
            }
            Event::RunStarted {
                plan, memory_limit, ..
            } => {
                let groups = plan.groups();
                let mut s = self.state();
                s.runs += 1;
                s.running = true;
                s.budget = *memory_limit;
                // Progress is per run: the groups of this graph, from nothing done.
                s.groups.clear();
                s.index.clear();
                for (label, n) in groups {
                    let g = s.group(&label);
                    s.groups[g].total = n as u64;
                }
            }
            Event::RunFinished { failed, .. } => {
                let mut s = self.state();
                s.running = false;
                if *failed {
                    for g in &mut s.groups {
                        g.failed += g.running;
                        g.running = 0;
                    }
                }
            }
            Event::Spilled { bytes, .. } => self.state().spilled += bytes,
            Event::BytesRead { bytes, .. } => self.state().bytes_read += bytes,
            _ => {}
        }
    }
}

/// 32 hex digits from the system's random source (or, failing it, the clock and pid).
fn random_token() -> String {
    let mut b = [0u8; 16];
    let read = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b));
    if read.is_err() {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        let h = xxhash_rust::xxh3::xxh3_128(
            &[
                t.to_le_bytes(),
                u128::from(std::process::id()).to_le_bytes(),
            ]
            .concat(),
        );
        b = h.to_le_bytes();
    }
    b.iter().map(|x| format!("{x:02x}")).collect()
}

async fn serve(listener: std::net::TcpListener, dashboard: Arc<Dashboard>) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let dashboard = Arc::clone(&dashboard);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let dashboard = Arc::clone(&dashboard);
                async move { Ok::<_, Infallible>(answer(&dashboard, &req)) }
            });
            let _ = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

type Answer = Response<Either>;

fn answer(dashboard: &Arc<Dashboard>, req: &Request<hyper::body::Incoming>) -> Answer {
    let text = |status: StatusCode, body: &str| {
        Response::builder()
            .status(status)
            .header("content-type", "text/plain; charset=utf-8")
            .body(Either::Full(Full::new(Bytes::from(body.to_string()))))
            .expect("a plain response")
    };
    if !dashboard.allowed(req.uri().query()) {
        return text(
            StatusCode::FORBIDDEN,
            "forbidden: open the dashboard with the token printed with its URL\n",
        );
    }
    match req.uri().path() {
        "/" | "/index.html" => Response::builder()
            .header("content-type", "text/html; charset=utf-8")
            .header("cache-control", "no-store")
            .body(Either::Full(Full::new(Bytes::from_static(PAGE.as_bytes()))))
            .expect("the page"),
        "/events" => Response::builder()
            .header("content-type", "text/event-stream")
            .header("cache-control", "no-store")
            .body(Either::Events(Events {
                dashboard: Arc::clone(dashboard),
                tick: tokio::time::interval(Duration::from_millis(250)),
            }))
            .expect("the event stream"),
        "/state.json" => Response::builder()
            .header("content-type", "application/json")
            .body(Either::Full(Full::new(Bytes::from(
                dashboard.state().json(),
            ))))
            .expect("the state"),
        _ => text(StatusCode::NOT_FOUND, "not found\n"),
    }
}

/// A page, or the endless event stream.
enum Either {
    Full(Full<Bytes>),
    Events(Events),
}

/// The state as a server-sent event every tick, while the page is open.
struct Events {
    dashboard: Arc<Dashboard>,
    tick: tokio::time::Interval,
}

impl Body for Either {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            Either::Full(f) => Pin::new(f).poll_frame(cx),
            Either::Events(e) => match e.tick.poll_tick(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(_) => {
                    let json = e.dashboard.state().json();
                    Poll::Ready(Some(Ok(Frame::data(Bytes::from(format!(
                        "data: {json}\n\n"
                    ))))))
                }
            },
        }
    }
}

/// The page: markup, style and script, nothing fetched.
const PAGE: &str = include_str!("dashboard.html");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_escape("a\"b\\c\nd"), "a\\\"b\\\\c\\u000ad");
        assert_eq!(random_token().len(), 32);
        assert_ne!(random_token(), random_token());
    }
}
