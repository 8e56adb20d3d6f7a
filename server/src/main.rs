//! `shomei-server`: with no configuration, listens on 127.0.0.1:8080, serves the specimen
//! municipalities, keeps its ledger under ./shomei-data (or $SHOMEI_DATA), and accepts one
//! development token (admin) from $SHOMEI_DEV_TOKEN or generated and printed at start-up.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use shomei_server::config::hex;
use shomei_server::{AppState, Config};

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Serves certificates over HTTP.
#[derive(Parser)]
#[command(name = "shomei-server", version, about)]
struct Args {
    /// Address to listen on. Default: the configuration's, else 127.0.0.1:8080.
    #[arg(long)]
    listen: Option<String>,
    /// Configuration file (TOML; see server/config.example.toml).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Data directory (the ledger). Default: the configuration's, else $SHOMEI_DATA, else ./shomei-data.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Do not build the static pages of every layout and municipality in the background at
    /// start-up (without it, the first request of each pair waits about a second for them).
    #[arg(long)]
    no_warm_up: bool,
}

/// Builds the cached static pages (display lists and PDF forms) of every layout for every
/// municipality, one fictitious sample each, on a background thread: the first kiosk request
/// of the day then takes milliseconds, not the second a cold base costs. Nothing is issued,
/// logged per certificate or kept but the caches.
fn warm_up(renderer: std::sync::Arc<shomei_engine::render::Renderer>) {
    use shomei_engine::layout::Request;
    use shomei_engine::render::OutputOptions;
    let spawned = std::thread::Builder::new()
        .name("warm-up".into())
        .spawn(move || {
            let start = std::time::Instant::now();
            let today = shomei_server::clock::jst_date(shomei_server::clock::unix_seconds(
                std::time::SystemTime::now(),
            ));
            let catalog = renderer.catalog();
            let (mut ok, mut failed) = (0u32, 0u32);
            for m in catalog.municipalities() {
                for t in catalog.layouts() {
                    let data = shomei_engine::sample::sample(t, 1, today);
                    let req = Request {
                        layout: &t.id,
                        municipality: &m.id,
                        data: &data,
                        items: None,
                        serial: "0",
                        issued_on: today,
                    };
                    match renderer.render(&req, &OutputOptions::default()) {
                        Ok(_) => ok += 1,
                        Err(_) => failed += 1,
                    }
                }
            }
            tracing::info!(
                pairs = ok,
                failed,
                ms = start.elapsed().as_millis() as u64,
                "warm-up: static pages cached"
            );
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "warm-up thread not started");
    }
}

fn main() -> ExitCode {
    let no_thp = shomei_engine::pool::disable_transparent_huge_pages();
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    tracing::debug!(disabled = no_thp, "transparent huge pages");
    let mut config = match &args.config {
        Some(p) => match Config::load(p) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("shomei-server: {e}");
                return ExitCode::from(2);
            }
        },
        None => Config::default(),
    };
    if args.data_dir.is_some() {
        config.data_dir = args.data_dir.clone();
    }
    let listen = args
        .listen
        .clone()
        .or_else(|| config.listen.clone())
        .unwrap_or_else(|| "127.0.0.1:8080".into());
    let env_token = std::env::var("SHOMEI_DEV_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let dev_token = match env_token {
        Some(t) => Some(t),
        None if config.tokens.is_empty() => {
            let mut b = [0u8; 24];
            if getrandom::fill(&mut b).is_err() {
                eprintln!("shomei-server: no system randomness for the development token; set SHOMEI_DEV_TOKEN");
                return ExitCode::from(2);
            }
            let t = hex(&b);
            eprintln!("shomei-server: development token (role admin, terminal dev): {t}");
            Some(t)
        }
        None => None,
    };
    let tls = match &config.tls {
        Some(t) => match shomei_server::tls::server_config(t) {
            Ok(c) => Some(c),
            Err(e) => {
                eprintln!("shomei-server: {e}");
                return ExitCode::from(2);
            }
        },
        None => None,
    };
    let client_auth = config.tls.as_ref().is_some_and(|t| t.client_ca.is_some());
    let state = match AppState::from_config(&config, dev_token.as_deref()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("shomei-server: {e}");
            return ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("shomei-server: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    let data = shomei_server::state::data_dir(&config);
    if !args.no_warm_up {
        warm_up(std::sync::Arc::clone(state.pool.renderer()));
    }
    let result = rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&listen).await?;
        tracing::info!(
            listen = %listener.local_addr()?,
            data_dir = %data.display(),
            workers = state.pool.workers(),
            tls = tls.is_some(),
            client_auth,
            "shomei-server listening"
        );
        match tls {
            Some(t) => shomei_server::serve_tls(listener, state, t, shutdown_signal()).await,
            None => shomei_server::serve(listener, state, shutdown_signal()).await,
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("shomei-server: {e}");
            ExitCode::from(1)
        }
    }
}

/// Ctrl-C or SIGTERM: stop accepting, finish in-flight requests.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
