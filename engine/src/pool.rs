//! The render pool: a fixed set of worker threads fed by a bounded queue (crossbeam), sharing one
//! [`Renderer`] and its caches. `try_submit` never blocks and answers [`Error::Busy`] when the
//! queue is full; the batch API blocks instead and keeps input order.

use std::collections::BTreeMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{bounded, unbounded, Sender, TrySendError};

use crate::error::{Error, Result};
use crate::layout::Request;
use crate::render::{OutputOptions, Rendered, Renderer};
use crate::text::wareki::Date;

/// Turns transparent huge pages off for this process, once, before the pool starts: the
/// allocator asks for huge pages on its arenas, and the kernel's synchronous compaction to
/// find them stalled about one render in seventy for 25–100 ms (a p99 of 37 ms for a 12 ms
/// render at concurrency 1; 14 ms without). Throughput is the same either way. Returns
/// whether the flag is set (never outside Linux).
pub fn disable_transparent_huge_pages() -> bool {
    #[cfg(target_os = "linux")]
    {
        nix::sys::prctl::set_thp_disable(true).is_ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        false
    }
}

/// One render, owned so that it can cross to a worker thread.
#[derive(Clone, Debug, PartialEq)]
pub struct Job {
    /// Layout id.
    pub layout: String,
    /// Municipality id.
    pub municipality: String,
    /// Resident data.
    pub data: serde_json::Value,
    /// Optional items chosen (none: the layout's defaults).
    pub items: Option<Vec<String>>,
    /// Issuance serial as printed.
    pub serial: String,
    /// Issue date.
    pub issued_on: Date,
    /// How to encode.
    pub output: OutputOptions,
}

impl Job {
    /// The borrowed request the renderer takes.
    pub fn request(&self) -> Request<'_> {
        Request {
            layout: &self.layout,
            municipality: &self.municipality,
            data: &self.data,
            items: self.items.as_deref(),
            serial: &self.serial,
            issued_on: self.issued_on,
        }
    }
}

/// Size of the pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolOptions {
    /// Worker threads. Default: one per core (`available_parallelism`).
    pub workers: usize,
    /// Jobs that may wait in the queue beyond those being rendered. Default: 4 per worker.
    pub queue: usize,
}

impl Default for PoolOptions {
    fn default() -> Self {
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1);
        PoolOptions {
            workers,
            queue: workers * 4,
        }
    }
}

type Task = Box<dyn FnOnce(&Renderer) + Send + 'static>;

/// A fixed pool of render workers. Dropping it finishes the queued jobs and joins the workers.
pub struct Pool {
    tx: Option<Sender<Task>>,
    workers: Vec<JoinHandle<()>>,
    renderer: Arc<Renderer>,
    busy: Arc<AtomicUsize>,
    opts: PoolOptions,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.opts.workers)
            .field("queue", &self.opts.queue)
            .finish_non_exhaustive()
    }
}

impl Pool {
    /// Starts `opts.workers` threads (at least one) over a shared renderer.
    pub fn new(renderer: Arc<Renderer>, opts: PoolOptions) -> Result<Pool> {
        let opts = PoolOptions {
            workers: opts.workers.max(1),
            queue: opts.queue,
        };
        let (tx, rx) = bounded::<Task>(opts.queue);
        let busy = Arc::new(AtomicUsize::new(0));
        let mut workers = Vec::with_capacity(opts.workers);
        for i in 0..opts.workers {
            let rx = rx.clone();
            let r = Arc::clone(&renderer);
            let busy = Arc::clone(&busy);
            let h = std::thread::Builder::new()
                .name(format!("shomei-render-{i}"))
                .spawn(move || {
                    for task in rx.iter() {
                        busy.fetch_add(1, Ordering::Relaxed);
                        // A panic drops the task's reply (the caller sees a closed channel)
                        // and keeps the worker alive.
                        let _ = std::panic::catch_unwind(AssertUnwindSafe(|| task(&r)));
                        busy.fetch_sub(1, Ordering::Relaxed);
                    }
                })
                .map_err(|e| Error::Encode(format!("cannot start a render worker: {e}")))?;
            workers.push(h);
        }
        Ok(Pool {
            tx: Some(tx),
            workers,
            renderer,
            busy,
            opts,
        })
    }

    /// The shared renderer.
    pub fn renderer(&self) -> &Arc<Renderer> {
        &self.renderer
    }

    /// Worker threads.
    pub fn workers(&self) -> usize {
        self.opts.workers
    }

    /// Queue capacity.
    pub fn capacity(&self) -> usize {
        self.opts.queue
    }

    /// Jobs waiting in the queue (not yet picked by a worker).
    pub fn queue_depth(&self) -> usize {
        self.tx.as_ref().map_or(0, |t| t.len())
    }

    /// Workers rendering right now.
    pub fn busy_workers(&self) -> usize {
        self.busy.load(Ordering::Relaxed)
    }

    /// Queues any work on a worker without blocking; [`Error::Busy`] when the queue is full.
    pub fn try_execute(&self, f: impl FnOnce(&Renderer) + Send + 'static) -> Result<()> {
        let tx = self.tx.as_ref().ok_or(Error::Busy)?;
        match tx.try_send(Box::new(f)) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => Err(Error::Busy),
        }
    }

    /// Queues a render without blocking; `done` runs on the worker with the result. Answers
    /// [`Error::Busy`] (and drops `done` unrun) when the queue is full.
    pub fn try_submit(
        &self,
        job: Job,
        done: impl FnOnce(Result<Rendered>) + Send + 'static,
    ) -> Result<()> {
        self.try_execute(move |r| done(r.render(&job.request(), &job.output)))
    }

    /// Renders every job, waiting for room in the queue, and returns the results in input order.
    /// Must not be called from a worker of the same pool.
    pub fn render_batch(&self, jobs: impl IntoIterator<Item = Job>) -> Vec<Result<Rendered>> {
        let mut out = Vec::new();
        self.render_batch_with(jobs, |_, r| out.push(r));
        out
    }

    /// Renders every job, waiting for room in the queue, and calls `each(index, result)` in input
    /// order as results come in (for a progress bar or streaming output). Must not be called from
    /// a worker of the same pool.
    pub fn render_batch_with(
        &self,
        jobs: impl IntoIterator<Item = Job>,
        mut each: impl FnMut(usize, Result<Rendered>),
    ) {
        let Some(tx) = self.tx.as_ref() else {
            return;
        };
        let (rtx, rrx) = unbounded::<(usize, Result<Rendered>)>();
        let mut submitted = 0usize;
        let mut next = 0usize;
        let mut pending: BTreeMap<usize, Result<Rendered>> = BTreeMap::new();
        let mut deliver = |pending: &mut BTreeMap<usize, Result<Rendered>>, next: &mut usize| {
            while let Some(r) = pending.remove(next) {
                each(*next, r);
                *next += 1;
            }
        };
        for job in jobs {
            let i = submitted;
            let rtx = rtx.clone();
            let task: Task = Box::new(move |r: &Renderer| {
                let _ = rtx.send((i, r.render(&job.request(), &job.output)));
            });
            // Wait for room while collecting what is done, so that results flow as we submit.
            let mut task = Some(task);
            while let Some(t) = task.take() {
                match tx.try_send(t) {
                    Ok(()) => {}
                    Err(TrySendError::Full(t)) => {
                        task = Some(t);
                        match rrx.recv_timeout(std::time::Duration::from_millis(2)) {
                            Ok((j, r)) => {
                                pending.insert(j, r);
                                deliver(&mut pending, &mut next);
                            }
                            Err(_) => continue,
                        }
                    }
                    Err(TrySendError::Disconnected(_)) => {
                        pending.insert(i, Err(Error::Busy));
                    }
                }
            }
            submitted += 1;
        }
        drop(rtx);
        while next < submitted {
            if pending.contains_key(&next) {
                deliver(&mut pending, &mut next);
                continue;
            }
            match rrx.recv() {
                Ok((j, r)) => {
                    pending.insert(j, r);
                    deliver(&mut pending, &mut next);
                }
                // A worker panicked on job `next`: report it and go on.
                Err(_) => {
                    pending.insert(next, Err(Error::Encode("the render worker failed".into())));
                    deliver(&mut pending, &mut next);
                }
            }
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.tx = None;
        for h in self.workers.drain(..) {
            let _ = h.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::{default_layout_dir, Catalog};
    use crate::render::Format;
    use crate::text::FontDb;
    use std::sync::{Condvar, Mutex, OnceLock};

    fn renderer() -> Arc<Renderer> {
        static R: OnceLock<Arc<Renderer>> = OnceLock::new();
        R.get_or_init(|| {
            let fonts = FontDb::shared().unwrap();
            let catalog = Catalog::load_dir(&default_layout_dir()).unwrap();
            Arc::new(Renderer::new(fonts, Arc::new(catalog)))
        })
        .clone()
    }

    fn job(serial: &str) -> Job {
        let text =
            std::fs::read_to_string(default_layout_dir().join("samples/juminhyo.json")).unwrap();
        Job {
            layout: "juminhyo".into(),
            municipality: "mihon-shi".into(),
            data: serde_json::from_str(&text).unwrap(),
            items: None,
            serial: serial.into(),
            issued_on: Date::new(2026, 11, 24).unwrap(),
            output: OutputOptions {
                format: Format::Pdf,
                ..OutputOptions::default()
            },
        }
    }

    #[test]
    fn batch_keeps_order_and_matches_direct_rendering() {
        let r = renderer();
        let pool = Pool::new(
            r.clone(),
            PoolOptions {
                workers: 3,
                queue: 2,
            },
        )
        .unwrap();
        let mut jobs: Vec<Job> = (0..8).map(|i| job(&format!("{i:06}"))).collect();
        // One bad job in the middle keeps its place and its field.
        jobs[5].layout = "no-such-layout".into();
        let got = pool.render_batch(jobs.clone());
        assert_eq!(got.len(), 8);
        for (j, g) in jobs.iter().zip(&got) {
            let direct = r.render(&j.request(), &j.output);
            assert_eq!(&direct, g, "serial {}", j.serial);
        }
        assert_eq!(got[5].as_ref().unwrap_err().field(), Some("layout"));
        // Different serials give different bytes, so order is really checked.
        assert_ne!(got[0], got[1]);
    }

    #[test]
    fn try_submit_answers_busy_when_full() {
        let pool = Pool::new(
            renderer(),
            PoolOptions {
                workers: 1,
                queue: 1,
            },
        )
        .unwrap();
        // Hold the only worker until released.
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let started = Arc::new((Mutex::new(false), Condvar::new()));
        {
            let gate = gate.clone();
            let started = started.clone();
            pool.try_execute(move |_| {
                *started.0.lock().unwrap() = true;
                started.1.notify_all();
                let mut open = gate.0.lock().unwrap();
                while !*open {
                    open = gate.1.wait(open).unwrap();
                }
            })
            .unwrap();
        }
        {
            let mut s = started.0.lock().unwrap();
            while !*s {
                s = started.1.wait(s).unwrap();
            }
        }
        assert_eq!(pool.busy_workers(), 1);
        let (tx, rx) = std::sync::mpsc::channel();
        pool.try_submit(job("000001"), move |r| tx.send(r).unwrap())
            .unwrap();
        assert_eq!(pool.queue_depth(), 1);
        let e = pool.try_submit(job("000002"), |_| {}).unwrap_err();
        assert_eq!(e, Error::Busy);
        assert_eq!(e.kind(), "busy");
        *gate.0.lock().unwrap() = true;
        gate.1.notify_all();
        let r = rx.recv().unwrap().unwrap();
        assert!(r.pages >= 1);
    }

    #[test]
    fn a_panicking_task_does_not_kill_the_worker() {
        let pool = Pool::new(
            renderer(),
            PoolOptions {
                workers: 1,
                queue: 4,
            },
        )
        .unwrap();
        pool.try_execute(|_| panic!("boom")).unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        pool.try_submit(job("000003"), move |r| tx.send(r).unwrap())
            .unwrap();
        assert!(rx.recv().unwrap().is_ok());
    }

    #[test]
    fn default_is_one_worker_per_core() {
        let o = PoolOptions::default();
        assert!(o.workers >= 1);
        assert_eq!(o.queue, o.workers * 4);
    }
}
