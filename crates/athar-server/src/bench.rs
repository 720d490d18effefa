//! The load benchmark of the web application (`athar bench serve`): the server on loopback
//! with its search limits lifted (a setting that refuses any other address), signed-in
//! sessions of a bench user, and varied searches sent as a browser sends them (POST with the
//! session's cookie and CSRF token) — an open loop at a fixed rate (latency counted from when
//! each search was due, so a slow answer delays none of the later ones' clocks), then a closed
//! loop for the most the server answers, beside the library's own search throughput. Bounded
//! in count and time. Owns the load and its measures; not the searching.

use crate::{router, App};
use athar_registry::{Actor, Query, Registry, Role};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde::Serialize;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What to run.
#[derive(Debug, Clone)]
pub struct LoadPlan {
    /// Searches a second of the open loop.
    pub rate: u32,
    /// Seconds of the open loop.
    pub seconds: u32,
    /// Seconds of the closed loop (the most the server answers).
    pub max_seconds: u32,
    /// Searches in flight at most in the closed loop.
    pub connections: usize,
    /// Signed-in sessions the searches are spread over.
    pub sessions: usize,
}

/// What it measured.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    pub records: usize,
    pub index_seconds: f64,
    pub rate: u32,
    pub sent: usize,
    pub failed: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// p99 of each 10 seconds of the open loop: whether slow answers are spread or bunched.
    pub p99_by_window_ms: Vec<f64>,
    /// A sync of 8 KiB to the registry's disk every 20 ms during the open loop (a file beside
    /// the database, removed after): the disk's own tail, which a search's durable audit entry
    /// waits through.
    pub disk_sync_p50_ms: f64,
    pub disk_sync_p99_ms: f64,
    pub disk_sync_max_ms: f64,
    /// Searches a second the open loop reached (≈ `rate` when the server keeps up).
    pub achieved_per_second: f64,
    pub max_per_second: f64,
    pub max_failed: usize,
    /// The library's own searches a second, on every core, in the same run.
    pub library_per_second: f64,
    /// The load generator's share of the process's CPU time during the loops.
    pub generator_cpu_share: f64,
    pub cores: usize,
}

const BENCH_USER: &str = "athar-bench";

/// Length of the open loop's windows whose p99 is reported apart.
const WINDOW_SECONDS: u32 = 10;

/// CPU time of the calling thread (Linux), or of the process elsewhere.
fn thread_cpu() -> Duration {
    #[cfg(target_os = "linux")]
    {
        let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
        // SAFETY: clock_gettime writes one timespec into the pointer given.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return Duration::new(t.tv_sec as u64, t.tv_nsec as u32);
        }
    }
    Duration::ZERO
}

fn process_cpu() -> Duration {
    // SAFETY: getrusage fills the struct given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } != 0 {
        return Duration::ZERO;
    }
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, (t.tv_usec as u32) * 1000);
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize]
}

/// Times a sync of 8 KiB to a file in `dir` every 20 ms for `seconds` (ms each); none when
/// the file cannot be made.
fn disk_sync_probe(dir: &std::path::Path, seconds: u32) -> Vec<f64> {
    use std::io::Write;
    let path = dir.join(format!(".athar-bench-sync-{}", std::process::id()));
    let Ok(mut file) = std::fs::File::create(&path) else { return Vec::new() };
    let until = Instant::now() + Duration::from_secs(u64::from(seconds));
    let block = [0u8; 8192];
    let mut out = Vec::new();
    while Instant::now() < until {
        if file.write_all(&block).is_err() {
            break;
        }
        let t = Instant::now();
        if file.sync_data().is_err() {
            break;
        }
        out.push(t.elapsed().as_secs_f64() * 1000.0);
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(file);
    let _ = std::fs::remove_file(&path);
    out
}

/// A query as the search form sends it.
fn form(query: &Query, csrf: &str) -> String {
    let mut fields: Vec<(&str, &str)> = vec![("csrf", csrf), ("purpose", "load benchmark on loopback")];
    let pairs = [
        ("name", &query.name),
        ("given", &query.given),
        ("father", &query.father),
        ("family", &query.family),
        ("mother", &query.mother),
        ("born", &query.born),
        ("place", &query.place),
        ("sex", &query.sex),
        ("facility", &query.facility),
        ("arrested", &query.arrested),
        ("arrest_place", &query.arrest_place),
        ("status", &query.status),
    ];
    for (k, v) in &pairs {
        if let Some(v) = v {
            fields.push((k, v));
        }
    }
    serde_urlencoded::to_string(fields).unwrap_or_default()
}

/// What the load generator measured: the open loop's latencies (ms) and failures and length
/// (s), the closed loop's answers and failures, and the generator's own CPU time.
struct Generated {
    latencies: Vec<f64>,
    /// The latencies of each `WINDOW_SECONDS` of the open loop, by when the search was due.
    windows: Vec<Vec<f64>>,
    failed: usize,
    open_seconds: f64,
    answered: usize,
    max_failed: usize,
    cpu: Duration,
}

type HttpClient = Client<hyper_util::client::legacy::connect::HttpConnector, Full<Bytes>>;

struct Session {
    cookie: String,
    csrf: String,
}

async fn send(
    client: &HttpClient,
    base: &str,
    method: &str,
    path: &str,
    cookie: &str,
    body: String,
) -> (u16, Vec<(String, String)>, String) {
    let mut req = hyper::Request::builder().method(method).uri(format!("{base}{path}")).header("cookie", cookie);
    if method == "POST" {
        req = req.header("content-type", "application/x-www-form-urlencoded");
    }
    let Ok(req) = req.body(Full::new(Bytes::from(body))) else { return (0, Vec::new(), String::new()) };
    match client.request(req).await {
        Ok(res) => {
            let status = res.status().as_u16();
            let headers = res
                .headers()
                .iter()
                .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
                .collect();
            let body = res.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
            (status, headers, String::from_utf8_lossy(&body).into_owned())
        }
        Err(_) => (0, Vec::new(), String::new()),
    }
}

fn csrf_of(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap_or("").to_string()
}

fn set_cookie(headers: &[(String, String)]) -> Option<String> {
    headers.iter().find(|(k, _)| k == "set-cookie").and_then(|(_, v)| v.split(';').next()).map(str::to_string)
}

/// Signs the bench user in over HTTP: password, then one of its recovery codes.
async fn sign_in(client: &HttpClient, base: &str, password: &str, code: &str) -> Result<Session, String> {
    let (_, headers, page) = send(client, base, "GET", "/signin", "", String::new()).await;
    let cookie = set_cookie(&headers).ok_or("no session cookie from the sign-in page")?;
    let body =
        serde_urlencoded::to_string([("csrf", csrf_of(&page).as_str()), ("name", BENCH_USER), ("password", password)])
            .unwrap_or_default();
    let (status, headers, _) = send(client, base, "POST", "/signin", &cookie, body).await;
    let cookie = set_cookie(&headers).ok_or(format!("the password step answered {status}"))?;
    let (_, _, page) = send(client, base, "GET", "/signin/code", &cookie, String::new()).await;
    let body = serde_urlencoded::to_string([("csrf", csrf_of(&page).as_str()), ("code", code)]).unwrap_or_default();
    let (status, headers, _) = send(client, base, "POST", "/signin/code", &cookie, body).await;
    let cookie = set_cookie(&headers).ok_or(format!("the code step answered {status}"))?;
    let (_, _, page) = send(client, base, "GET", "/search", &cookie, String::new()).await;
    Ok(Session { cookie, csrf: csrf_of(&page) })
}

/// Runs the benchmark on `registry` (whose index is built first) with `queries`. The bench
/// user `athar-bench` (a caseworker) is added, or given new credentials, for the run.
pub fn run(registry: Registry, queries: Vec<Query>, plan: &LoadPlan, say: &dyn Fn(&str)) -> Result<LoadReport, String> {
    if queries.is_empty() || plan.rate == 0 || plan.seconds == 0 || plan.sessions == 0 || plan.sessions > 8 {
        return Err("a load needs queries, a rate, seconds, and 1 to 8 sessions".into());
    }
    if plan.seconds > 600 || plan.max_seconds > 600 || plan.rate > 5_000 || plan.connections > 512 {
        return Err("a load is bounded: at most 600 s per loop, 5,000 searches a second, 512 connections".into());
    }
    let operator = Actor::local("bench");
    let password = format!("bench {}", crate::session::token());
    let exists = registry.users(&operator).map_err(|e| e.to_string())?.iter().any(|u| u.name == BENCH_USER);
    let enrolment = if exists {
        registry.reset_user(&operator, BENCH_USER, &password)
    } else {
        registry.add_user(&operator, BENCH_USER, Role::Caseworker, &password)
    }
    .map_err(|e| e.to_string())?;
    say(&format!("bench user '{BENCH_USER}' {} for this run", if exists { "given new credentials" } else { "added" }));
    let started = Instant::now();
    let records = registry.prepare_search().map_err(|e| e.to_string())?;
    let index_seconds = started.elapsed().as_secs_f64();
    say(&format!("search index: {records} records in {index_seconds:.1} s"));
    let mut app = App::new(Arc::new(registry)).map_err(|e| e.to_string())?;
    app.search_limit_lifted = true;
    let app = Arc::new(app);
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    // The server: its own threads, one per core, on loopback only.
    let server = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let listener = server
        .block_on(tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))))
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let service = router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    server.spawn(async move { axum::serve(listener, service).await });
    let base = format!("http://{addr}");
    // The load generator: one thread of its own, so that its CPU time can be told apart.
    let plan = plan.clone();
    let codes = enrolment.recovery_codes.clone();
    let queries = Arc::new(queries);
    let gen_queries = queries.clone();
    let generator = std::thread::spawn(move || -> Result<Generated, String> {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        rt.block_on(async move {
            let client: HttpClient =
                Client::builder(TokioExecutor::new()).pool_max_idle_per_host(plan.connections.max(64)).build_http();
            let mut sessions = Vec::new();
            for code in codes.iter().take(plan.sessions) {
                sessions.push(Arc::new(sign_in(&client, &base, &password, code).await?));
            }
            let cpu0 = thread_cpu();
            // Open loop: search i is due at i / rate.
            let total = (plan.rate * plan.seconds) as usize;
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<(usize, f64, bool)>();
            let start = tokio::time::Instant::now();
            for i in 0..total {
                let due = start + Duration::from_secs_f64(i as f64 / f64::from(plan.rate));
                tokio::time::sleep_until(due).await;
                let (client, base, tx) = (client.clone(), base.clone(), tx.clone());
                let session = sessions[i % sessions.len()].clone();
                let body = form(&gen_queries[i % gen_queries.len()], &session.csrf);
                tokio::spawn(async move {
                    let (status, _, _) = send(&client, &base, "POST", "/search", &session.cookie, body).await;
                    let _ = tx.send((i, due.elapsed().as_secs_f64() * 1000.0, status == 200));
                });
            }
            drop(tx);
            let mut latencies = Vec::with_capacity(total);
            let window = (plan.rate * WINDOW_SECONDS) as usize;
            let mut windows = vec![Vec::new(); total.div_ceil(window.max(1))];
            let mut failed = 0;
            while let Some((i, ms, ok)) = rx.recv().await {
                latencies.push(ms);
                windows[i / window.max(1)].push(ms);
                failed += usize::from(!ok);
            }
            let open_seconds = start.elapsed().as_secs_f64();
            // Closed loop: `connections` searches in flight, each sent as the last answers.
            let until = Instant::now() + Duration::from_secs(u64::from(plan.max_seconds));
            let mut workers = Vec::new();
            for w in 0..plan.connections {
                let (client, base, sessions, queries) =
                    (client.clone(), base.clone(), sessions.clone(), gen_queries.clone());
                workers.push(tokio::spawn(async move {
                    let (mut done, mut failed, mut i) = (0usize, 0usize, w);
                    while Instant::now() < until {
                        let session = &sessions[i % sessions.len()];
                        let body = form(&queries[i % queries.len()], &session.csrf);
                        let (status, _, _) = send(&client, &base, "POST", "/search", &session.cookie, body).await;
                        done += 1;
                        failed += usize::from(status != 200);
                        i += plan.connections;
                    }
                    (done, failed)
                }));
            }
            let (mut answered, mut max_failed) = (0, 0);
            for w in workers {
                let (d, f) = w.await.map_err(|e| e.to_string())?;
                answered += d;
                max_failed += f;
            }
            Ok(Generated { latencies, windows, failed, open_seconds, answered, max_failed, cpu: thread_cpu() - cpu0 })
        })
    });
    // The disk's own syncs beside the registry, while the open loop runs: every search's audit
    // entry waits for one (grouped), so their tail bounds the searches' tail.
    let probe_dir = app.registry.db_path().parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    let probe_seconds = plan.seconds;
    let disk = std::thread::spawn(move || disk_sync_probe(&probe_dir, probe_seconds));
    let process_before = process_cpu();
    let Generated { mut latencies, windows, failed, open_seconds, answered, max_failed, cpu: generator_cpu } =
        generator.join().map_err(|_| "the load generator stopped".to_string())??;
    let process_cpu_used = process_cpu() - process_before;
    latencies.sort_by(f64::total_cmp);
    let mut syncs = disk.join().unwrap_or_default();
    syncs.sort_by(f64::total_cmp);
    // The library on its own: the same queries on every core, for as long as the closed loop.
    let registry = app.registry.clone();
    let library_per_second = registry
        .on_index(&Actor::new(BENCH_USER, &[Role::Caseworker]), "bench serve: library", |index| {
            use rayon::prelude::*;
            let until = Instant::now() + Duration::from_secs(u64::from(plan.max_seconds.max(1)));
            let start = Instant::now();
            let done: usize = (0..cores)
                .into_par_iter()
                .map(|w| {
                    let (mut n, mut i) = (0usize, w);
                    while Instant::now() < until {
                        if let Ok(q) = athar_registry::search::checked_query(queries[i % queries.len()].clone()) {
                            let _ = index.search(&q, 20);
                        }
                        n += 1;
                        i += cores;
                    }
                    n
                })
                .sum();
            done as f64 / start.elapsed().as_secs_f64()
        })
        .map_err(|e| e.to_string())?;
    server.shutdown_timeout(Duration::from_secs(5));
    Ok(LoadReport {
        records,
        index_seconds,
        rate: plan.rate,
        sent: latencies.len(),
        failed,
        p50_ms: quantile(&latencies, 0.50),
        p99_ms: quantile(&latencies, 0.99),
        p99_by_window_ms: windows
            .into_iter()
            .map(|mut w| {
                w.sort_by(f64::total_cmp);
                quantile(&w, 0.99)
            })
            .collect(),
        max_ms: latencies.last().copied().unwrap_or(f64::NAN),
        disk_sync_p50_ms: quantile(&syncs, 0.50),
        disk_sync_p99_ms: quantile(&syncs, 0.99),
        disk_sync_max_ms: syncs.last().copied().unwrap_or(f64::NAN),
        achieved_per_second: latencies.len() as f64 / open_seconds,
        max_per_second: answered as f64 / f64::from(plan.max_seconds.max(1)),
        max_failed,
        library_per_second,
        generator_cpu_share: generator_cpu.as_secs_f64() / process_cpu_used.as_secs_f64().max(1e-9),
        cores,
    })
}
