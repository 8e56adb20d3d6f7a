//! Per-thread scratch planes: a render worker paints every raster page into the same buffers
//! instead of allocating (and faulting in) two page-sized planes per page. Kept only up to
//! [`SCRATCH_KEEP_BYTES`], so a thread that once rendered at a very high dpi does not hold
//! that memory for good.

use std::cell::RefCell;

use super::Planes;

/// Largest scratch kept on a thread between jobs, bytes: A4 at 600 dpi with both inks
/// (2 × 4961 × 7016 ≈ 70 MB) is kept; larger pages are painted into fresh buffers, freed after.
pub const SCRATCH_KEEP_BYTES: usize = 96 << 20;

thread_local! {
    static SCRATCH: RefCell<Option<Planes>> = const { RefCell::new(None) };
}

/// Runs `f` with this thread's scratch planes (blank and empty the first time; whatever the
/// previous page left otherwise: [`super::Painter::paint_page_into`] overwrites every byte).
/// Re-entrant calls get fresh planes.
pub fn with_scratch_planes<R>(f: impl FnOnce(&mut Planes) -> R) -> R {
    let mut planes = SCRATCH.with(|s| s.borrow_mut().take()).unwrap_or(Planes {
        width: 0,
        height: 0,
        dpi: 1,
        planes: Vec::new(),
    });
    let r = f(&mut planes);
    let bytes: usize = planes.planes.iter().map(Vec::capacity).sum();
    if bytes <= SCRATCH_KEEP_BYTES {
        SCRATCH.with(|s| *s.borrow_mut() = Some(planes));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffers_are_reused_and_large_ones_dropped() {
        let p0 = with_scratch_planes(|p| {
            p.planes = vec![vec![0u8; 1000]];
            p.planes[0].as_ptr() as usize
        });
        let p1 = with_scratch_planes(|p| p.planes[0].as_ptr() as usize);
        assert_eq!(p0, p1);
        // Nested use gets its own planes.
        with_scratch_planes(|outer| {
            with_scratch_planes(|inner| assert!(inner.planes.is_empty()));
            assert_eq!(outer.planes.len(), 1);
        });
        with_scratch_planes(|p| p.planes = vec![vec![0u8; SCRATCH_KEEP_BYTES + 1]]);
        with_scratch_planes(|p| assert!(p.planes.is_empty()));
    }
}
