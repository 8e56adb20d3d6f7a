//! Prometheus metrics, kept in atomics and written as text at `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency buckets, seconds.
pub const BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// A latency histogram.
#[derive(Debug, Default)]
pub struct Histogram {
    counts: [AtomicU64; 12],
    sum_us: AtomicU64,
}

impl Histogram {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let s = d.as_secs_f64();
        let i = BUCKETS
            .iter()
            .position(|b| s <= *b)
            .unwrap_or(BUCKETS.len());
        self.counts[i].fetch_add(1, Ordering::Relaxed);
        self.sum_us
            .fetch_add(d.as_micros() as u64, Ordering::Relaxed);
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        let mut acc = 0u64;
        for (i, b) in BUCKETS.iter().enumerate() {
            acc += self.counts[i].load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {acc}");
        }
        acc += self.counts[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {acc}");
        let _ = writeln!(
            out,
            "{name}_sum {}",
            self.sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(out, "{name}_count {acc}");
    }
}

/// Every metric the server keeps.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, u16), u64>>,
    errors: Mutex<BTreeMap<String, u64>>,
    verifies: Mutex<BTreeMap<String, u64>>,
    /// Time from a certificate request's arrival to its response.
    pub request_latency: Histogram,
    /// Time a render spent in the pool (queue + render).
    pub render_latency: Histogram,
    /// Certificates issued.
    pub certificates: AtomicU64,
    /// Pages rendered.
    pub pages: AtomicU64,
}

impl Metrics {
    /// Counts a response.
    pub fn count_request(&self, route: &str, status: u16) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((route.to_string(), status)).or_insert(0) += 1;
        }
    }

    /// Counts an error by kind.
    pub fn count_error(&self, kind: &str) {
        if let Ok(mut m) = self.errors.lock() {
            *m.entry(kind.to_string()).or_insert(0) += 1;
        }
    }

    /// Counts a verification by its verdict (`genuine`, `altered` … or `unreadable`).
    pub fn count_verify(&self, verdict: &str) {
        if let Ok(mut m) = self.verifies.lock() {
            *m.entry(verdict.to_string()).or_insert(0) += 1;
        }
    }

    /// Prometheus text exposition.
    pub fn render(
        &self,
        queue_depth: usize,
        queue_capacity: usize,
        busy: usize,
        workers: usize,
    ) -> String {
        let mut out = String::new();
        out.push_str("# HELP shomei_requests_total HTTP responses by route and status.\n# TYPE shomei_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "shomei_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP shomei_errors_total Error responses by kind.\n# TYPE shomei_errors_total counter\n");
        if let Ok(m) = self.errors.lock() {
            for (kind, n) in m.iter() {
                let _ = writeln!(out, "shomei_errors_total{{kind=\"{kind}\"}} {n}");
            }
        }
        out.push_str("# HELP shomei_verifies_total Verifications (POST /v1/verify) by verdict.\n# TYPE shomei_verifies_total counter\n");
        if let Ok(m) = self.verifies.lock() {
            for (verdict, n) in m.iter() {
                let _ = writeln!(out, "shomei_verifies_total{{verdict=\"{verdict}\"}} {n}");
            }
        }
        self.request_latency.write(
            &mut out,
            "shomei_certificate_request_seconds",
            "Certificate requests, arrival to response.",
        );
        self.render_latency.write(
            &mut out,
            "shomei_render_seconds",
            "Renders in the pool, queue wait included.",
        );
        let _ = writeln!(out, "# HELP shomei_certificates_total Certificates issued.\n# TYPE shomei_certificates_total counter\nshomei_certificates_total {}", self.certificates.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP shomei_pages_total Pages rendered for issued certificates.\n# TYPE shomei_pages_total counter\nshomei_pages_total {}", self.pages.load(Ordering::Relaxed));
        let _ = writeln!(out, "# HELP shomei_queue_depth Renders waiting in the queue.\n# TYPE shomei_queue_depth gauge\nshomei_queue_depth {queue_depth}");
        let _ = writeln!(out, "# HELP shomei_queue_capacity Render queue capacity.\n# TYPE shomei_queue_capacity gauge\nshomei_queue_capacity {queue_capacity}");
        let _ = writeln!(out, "# HELP shomei_workers_busy Render workers busy.\n# TYPE shomei_workers_busy gauge\nshomei_workers_busy {busy}");
        let _ = writeln!(out, "# HELP shomei_workers Render workers.\n# TYPE shomei_workers gauge\nshomei_workers {workers}");
        out
    }
}
