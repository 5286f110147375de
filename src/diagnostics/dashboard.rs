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

use std::collections::VecDeque;
use std::convert::Infallible;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering::Acquire, Ordering::Release};
use std::sync::{Arc, Mutex, MutexGuard};
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

/// Workers of this process with a lane of their own (more share the common state).
const LANES: usize = 64;

/// A running dashboard; an [`Observer`] of the runs of the configurations it is on
/// ([`crate::Config::dashboard`]). The server stops when the process ends.
///
/// Each worker thread counts its tasks in a lane of its own (a lock no other worker
/// takes), found by the task's id in the run's table of groups: no shared lock and no
/// lookup by label per task. The page's state sums the lanes four times a second.
pub struct Dashboard {
    addr: SocketAddr,
    token: Option<String>,
    origin: Instant,
    /// The run's number, bumped at each start; lanes of older runs are not counted.
    run: AtomicU64,
    lanes: Box<[Lane]>,
    /// The run's table, for lanes starting it (taken after a lane's lock, never before).
    current: Mutex<Option<Arc<Table>>>,
    state: Mutex<State>,
}

/// The groups of the run being watched, by task id.
struct Table {
    run: u64,
    names: Vec<String>,
    group_of: Vec<u32>,
}

/// One worker's counts in the current run; cache-line aligned so lanes do not share.
#[repr(align(128))]
#[derive(Default)]
struct Lane(Mutex<Counts>);

/// Tasks started and finished per group, and the latest finished ones.
#[derive(Default)]
struct Counts {
    run: u64,
    table: Option<Arc<Table>>,
    started: Vec<u64>,
    done: Vec<u64>,
    /// (group, rank, worker, start ms, end ms).
    stream: VecDeque<(u32, usize, usize, f64, f64)>,
    /// Tasks finished per (rank, worker).
    workers: Vec<((usize, usize), u64)>,
}

impl Counts {
    /// Starts counting `table`'s run (a lane's first task in a run).
    fn reset(&mut self, table: &Arc<Table>) {
        self.run = table.run;
        self.started = vec![0; table.names.len()];
        self.done = vec![0; table.names.len()];
        self.stream.clear();
        self.workers.clear();
        self.table = Some(Arc::clone(table));
    }

    /// The task's group if it belongs to the run being watched (a compute nested in a
    /// task runs while its caller's run is shown: its tasks are not counted).
    fn group(&self, id: u32, label: &str) -> Option<usize> {
        let t = self.table.as_ref()?;
        let g = *t.group_of.get(id as usize)? as usize;
        (t.names[g] == label).then_some(g)
    }

    fn finished(&mut self, g: usize, lane: (usize, usize), a: f64, b: f64) {
        self.done[g] += 1;
        match self.workers.iter_mut().find(|w| w.0 == lane) {
            Some(w) => w.1 += 1,
            None => self.workers.push((lane, 1)),
        }
        if self.stream.len() == STREAM {
            self.stream.pop_front();
        }
        self.stream.push_back((g as u32, lane.0, lane.1, a, b));
    }
}

struct State {
    runs: u64,
    running: bool,
    table: Option<Arc<Table>>,
    totals: Vec<u64>,
    /// Tasks still running when the last run failed, per group.
    failed: Vec<u64>,
    /// Tasks of other ranks and of workers past [`LANES`].
    common: Counts,
    spilled: u64,
    bytes_read: u64,
    budget: Option<u64>,
}

impl Dashboard {
    fn ms(&self, at: Instant) -> f64 {
        at.saturating_duration_since(self.origin).as_secs_f64() * 1e3
    }

    /// Runs `f` on the counts `worker` of `rank` keeps for the current run.
    fn counts<R>(&self, rank: usize, worker: usize, f: impl FnOnce(&mut Counts) -> R) -> R {
        let run = self.run.load(Acquire);
        let mut state;
        let mut lane;
        // Lanes hold this process's workers: the dashboard runs on rank 0 only.
        let counts: &mut Counts = if rank == 0 && worker < self.lanes.len() {
            lane = lock(&self.lanes[worker].0);
            &mut lane
        } else {
            state = self.state();
            &mut state.common
        };
        if counts.run != run {
            // Once per lane and run. Lock order: state, then a lane, then `current`.
            match lock(&self.current).clone() {
                Some(t) if t.run == run => counts.reset(&t),
                _ => counts.table = None,
            }
        }
        f(counts)
    }

    /// The lanes' counts of the current run, summed (the caller holds the state).
    fn sums(&self, s: &State) -> Sums {
        let run = self.run.load(Acquire);
        let n = s.totals.len();
        let mut sums = Sums {
            started: vec![0; n],
            done: vec![0; n],
            workers: Vec::new(),
            stream: Vec::new(),
        };
        let mut add = |c: &Counts| {
            if c.run != run || c.started.len() != n {
                return;
            }
            for g in 0..n {
                sums.started[g] += c.started[g];
                sums.done[g] += c.done[g];
            }
            sums.workers.extend_from_slice(&c.workers);
            sums.stream.extend(c.stream.iter().copied());
        };
        add(&s.common);
        for lane in self.lanes.iter() {
            add(&lock(&lane.0));
        }
        sums.workers.sort_unstable();
        sums.stream.sort_unstable_by(|a, b| a.4.total_cmp(&b.4));
        let cut = sums.stream.len().saturating_sub(STREAM);
        sums.stream.drain(..cut);
        sums
    }

    /// The state as JSON, for the page.
    fn json(&self) -> String {
        let s = self.state();
        let Sums {
            started,
            done,
            workers,
            stream,
        } = self.sums(&s);
        let names = s.table.as_ref().map_or(&[][..], |t| &t.names[..]);

        let mut j = String::with_capacity(4096 + 40 * stream.len());
        let _ = write!(
            j,
            "{{\"runs\":{},\"running\":{},\"now_ms\":{:.1},\"tasks\":{},\"done\":{},\"rss_mb\":{:.1},\"spilled_mb\":{:.3},\"budget_mb\":{},\"bytes_read\":{},\"groups\":[",
            s.runs,
            s.running,
            self.ms(Instant::now()),
            s.totals.iter().sum::<u64>(),
            done.iter().sum::<u64>(),
            super::profile::rss_mb().unwrap_or(0.0),
            s.spilled as f64 / 1e6,
            s.budget
                .map_or("null".to_string(), |b| format!("{:.3}", b as f64 / 1e6)),
            s.bytes_read,
        );
        for (g, name) in names.iter().enumerate() {
            let running = if s.running {
                started[g].saturating_sub(done[g])
            } else {
                0
            };
            let _ = write!(
                j,
                "{}{{\"name\":\"{}\",\"total\":{},\"done\":{},\"running\":{running},\"failed\":{}}}",
                if g > 0 { "," } else { "" },
                json_escape(name),
                s.totals[g],
                done[g],
                s.failed.get(g).copied().unwrap_or(0),
            );
        }
        j.push_str("],\"workers\":[");
        for (i, ((rank, worker), n)) in workers.iter().enumerate() {
            let _ = write!(
                j,
                "{}{{\"rank\":{rank},\"worker\":{worker},\"tasks\":{n}}}",
                if i > 0 { "," } else { "" }
            );
        }
        j.push_str("],\"stream\":[");
        for (i, (g, rank, worker, a, b)) in stream.iter().enumerate() {
            let _ = write!(
                j,
                "{}[{g},{rank},{worker},{a:.2},{b:.2}]",
                if i > 0 { "," } else { "" }
            );
        }
        j.push_str("]}");
        j
    }
}

struct Sums {
    started: Vec<u64>,
    done: Vec<u64>,
    workers: Vec<((usize, usize), u64)>,
    stream: Vec<(u32, usize, usize, f64, f64)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
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
            origin: Instant::now(),
            run: AtomicU64::new(0),
            lanes: (0..LANES).map(|_| Lane::default()).collect(),
            current: Mutex::new(None),
            state: Mutex::new(State {
                runs: 0,
                running: false,
                table: None,
                totals: Vec::new(),
                failed: Vec::new(),
                common: Counts::default(),
                spilled: 0,
                bytes_read: 0,
                budget: None,
            }),
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

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Observer for Dashboard {
    fn on_event(&self, event: &Event<'_>) {
        match event {
            Event::TaskStarted {
                id,
                key,
                worker,
                rank,
                ..
            } => self.counts(*rank, *worker, |c| {
                if let Some(g) = c.group(*id, key.label()) {
                    c.started[g] += 1;
                }
            }),
            Event::TaskFinished {
                id,
                key,
                worker,
                rank,
                start,
                end,
                ..
            } => {
                let (a, b) = (self.ms(*start), self.ms(*end));
                self.counts(*rank, *worker, |c| {
                    if let Some(g) = c.group(*id, key.label()) {
                        c.finished(g, (*rank, *worker), a, b);
                    }
                })
            }
            Event::RunStarted {
                plan, memory_limit, ..
            } => {
                let (groups, group_of) = plan.task_groups();
                let mut s = self.state();
                s.runs += 1;
                s.running = true;
                s.budget = *memory_limit;
                // Progress is per run: the groups of this graph, from nothing done.
                s.totals = groups.iter().map(|g| g.1 as u64).collect();
                s.failed = vec![0; groups.len()];
                let table = Arc::new(Table {
                    run: s.runs,
                    names: groups.into_iter().map(|g| g.0).collect(),
                    group_of,
                });
                *lock(&self.current) = Some(Arc::clone(&table));
                s.table = Some(table);
                self.run.store(s.runs, Release);
            }
            Event::RunFinished { failed, .. } => {
                let mut s = self.state();
                if *failed {
                    // Tasks running when the run failed were cut short.
                    let sums = self.sums(&s);
                    s.failed = (sums.started.iter().zip(&sums.done))
                        .map(|(a, d)| a.saturating_sub(*d))
                        .collect();
                }
                s.running = false;
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
            .body(Either::Full(Full::new(Bytes::from(dashboard.json()))))
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
                    let json = e.dashboard.json();
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
