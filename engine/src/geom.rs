//! Physical units and rectangles. Everything on a page is in millimetres, y pointing down,
//! origin at the top-left corner of the page (or of a text box, where a type says so).

/// Millimetres per typographic point (1 pt = 1/72 in).
pub const MM_PER_PT: f32 = 25.4 / 72.0;

/// Width and height of an A4 sheet in millimetres, portrait.
pub const A4_MM: (f32, f32) = (210.0, 297.0);

/// Converts points to millimetres.
pub fn pt_to_mm(pt: f32) -> f32 {
    pt * MM_PER_PT
}

/// Converts millimetres to points.
pub fn mm_to_pt(mm: f32) -> f32 {
    mm / MM_PER_PT
}

/// Converts millimetres to device pixels at `dpi`.
pub fn mm_to_px(mm: f32, dpi: u32) -> f32 {
    mm * dpi as f32 / 25.4
}

/// Page size in pixels at `dpi`: round(w/25.4·dpi) × round(h/25.4·dpi).
pub fn page_px(size_mm: (f32, f32), dpi: u32) -> (u32, u32) {
    let w = (f64::from(size_mm.0) / 25.4 * f64::from(dpi)).round();
    let h = (f64::from(size_mm.1) / 25.4 * f64::from(dpi)).round();
    (w.max(1.0) as u32, h.max(1.0) as u32)
}

/// An axis-aligned rectangle in millimetres (x right, y down).
#[derive(Clone, Copy, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Rect {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
}

impl Rect {
    /// A rectangle from its left, top, width and height.
    pub const fn from_xywh(x: f32, y: f32, w: f32, h: f32) -> Self {
        Rect { x, y, w, h }
    }

    /// Right edge.
    pub fn right(&self) -> f32 {
        self.x + self.w
    }

    /// Bottom edge.
    pub fn bottom(&self) -> f32 {
        self.y + self.h
    }

    /// Whether two rectangles share interior area (touching edges do not count), with a
    /// tolerance `eps` that must be exceeded.
    pub fn intersects(&self, other: &Rect, eps: f32) -> bool {
        self.x + eps < other.right()
            && other.x + eps < self.right()
            && self.y + eps < other.bottom()
            && other.y + eps < self.bottom()
    }

    /// Whether `other` lies inside `self`, within `eps`.
    pub fn contains(&self, other: &Rect, eps: f32) -> bool {
        other.x >= self.x - eps
            && other.y >= self.y - eps
            && other.right() <= self.right() + eps
            && other.bottom() <= self.bottom() + eps
    }

    /// The smallest rectangle that holds both.
    pub fn union(&self, other: &Rect) -> Rect {
        let x = self.x.min(other.x);
        let y = self.y.min(other.y);
        Rect {
            x,
            y,
            w: self.right().max(other.right()) - x,
            h: self.bottom().max(other.bottom()) - y,
        }
    }

    /// Moved by (dx, dy).
    pub fn translate(&self, dx: f32, dy: f32) -> Rect {
        Rect {
            x: self.x + dx,
            y: self.y + dy,
            ..*self
        }
    }
}

/// A 2-D affine transform: x' = a·x + c·y + e, y' = b·x + d·y + f.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    /// x scale / rotation component.
    pub a: f32,
    /// y shear from x.
    pub b: f32,
    /// x shear from y.
    pub c: f32,
    /// y scale / rotation component.
    pub d: f32,
    /// x translation.
    pub e: f32,
    /// y translation.
    pub f: f32,
}

impl Affine {
    /// The identity transform.
    pub const IDENTITY: Affine = Affine {
        a: 1.0,
        b: 0.0,
        c: 0.0,
        d: 1.0,
        e: 0.0,
        f: 0.0,
    };

    /// Applies the transform to a point.
    pub fn apply(&self, x: f32, y: f32) -> (f32, f32) {
        (
            self.a * x + self.c * y + self.e,
            self.b * x + self.d * y + self.f,
        )
    }

    /// `self` after `first`: the point goes through `first`, then through `self`.
    pub fn then_after(&self, first: &Affine) -> Affine {
        Affine {
            a: self.a * first.a + self.c * first.b,
            b: self.b * first.a + self.d * first.b,
            c: self.a * first.c + self.c * first.d,
            d: self.b * first.c + self.d * first.d,
            e: self.a * first.e + self.c * first.f + self.e,
            f: self.b * first.e + self.d * first.f + self.f,
        }
    }

    /// Uniform scale.
    pub fn scale(sx: f32, sy: f32) -> Affine {
        Affine {
            a: sx,
            d: sy,
            ..Affine::IDENTITY
        }
    }

    /// Translation.
    pub fn translate(x: f32, y: f32) -> Affine {
        Affine {
            e: x,
            f: y,
            ..Affine::IDENTITY
        }
    }
}
