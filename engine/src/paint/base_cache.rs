//! The base cache: the static part of a page (frame, labels, security layers) painted once per
//! (base key, page size, dpi) and shared; least recently used bases are dropped past a bound.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use super::Planes;

/// What a painted base depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct BaseKey {
    pub(crate) base_key: u64,
    pub(crate) dpi: u32,
    pub(crate) w_bits: u32,
    pub(crate) h_bits: u32,
}

/// A painted base and, per plane, whether it is blank (so a copy can start from fresh zeroed
/// memory instead of copying zeros).
#[derive(Debug)]
pub(crate) struct BaseEntry {
    pub(crate) planes: Arc<Planes>,
    pub(crate) blank: Vec<bool>,
}

impl BaseEntry {
    fn bytes(&self) -> usize {
        self.planes
            .planes
            .iter()
            .zip(&self.blank)
            .filter(|(_, &b)| !b)
            .map(|(p, _)| p.len())
            .sum()
    }
}

struct Slot {
    last_used: u64,
    cell: Arc<OnceLock<Arc<BaseEntry>>>,
}

#[derive(Default)]
struct Inner {
    map: HashMap<BaseKey, Slot>,
    tick: u64,
}

pub(crate) struct BaseCache {
    inner: Mutex<Inner>,
    limit: usize,
}

impl BaseCache {
    pub(crate) fn new(limit_bytes: usize) -> BaseCache {
        BaseCache {
            inner: Mutex::new(Inner::default()),
            limit: limit_bytes,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The entry for `key`, painting it with `paint` if it is missing. Two threads asking for
    /// the same missing base paint it once: the second waits for the first.
    pub(crate) fn get_or_paint(
        &self,
        key: BaseKey,
        paint: impl FnOnce() -> Planes,
    ) -> Arc<BaseEntry> {
        let cell = {
            let mut g = self.lock();
            g.tick += 1;
            let tick = g.tick;
            let slot = g.map.entry(key).or_insert_with(|| Slot {
                last_used: tick,
                cell: Arc::default(),
            });
            slot.last_used = tick;
            Arc::clone(&slot.cell)
        };
        let mut fresh = false;
        let entry = Arc::clone(cell.get_or_init(|| {
            fresh = true;
            let planes = paint();
            let blank = planes
                .planes
                .iter()
                .map(|p| p.iter().all(|&v| v == 0))
                .collect();
            Arc::new(BaseEntry {
                planes: Arc::new(planes),
                blank,
            })
        }));
        if fresh {
            self.evict(key);
        }
        entry
    }

    /// Drops least recently used painted bases (never `keep`) until the rest fit the bound.
    fn evict(&self, keep: BaseKey) {
        let mut g = self.lock();
        loop {
            let total: usize = g
                .map
                .values()
                .filter_map(|s| s.cell.get())
                .map(|e| e.bytes())
                .sum();
            if total <= self.limit {
                return;
            }
            let oldest = g
                .map
                .iter()
                .filter(|(k, s)| **k != keep && s.cell.get().is_some())
                .min_by_key(|(_, s)| s.last_used)
                .map(|(k, _)| *k);
            match oldest {
                Some(k) => {
                    g.map.remove(&k);
                }
                None => return,
            }
        }
    }
}
