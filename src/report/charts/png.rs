//! The PNG backend with text laid out right. plotters 0.3.7 draws `ab_glyph` text glyph by
//! glyph at whole-pixel advances and without each glyph's side bearing, so PNG labels read
//! "capa city" and "1 0 min". This wrapper draws every text itself: glyphs at fractional
//! positions (advance plus kerning, the same widths plotters measures text with, so what was
//! fitted still fits), outlines rasterized with their bearings and blended by coverage.
//! Everything else goes to the bitmap backend unchanged; SVG text is laid out by the viewer
//! and needs none of this.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use std::sync::OnceLock;

/// The bitmap backend, drawing text with [`draw_glyphs`].
pub struct Png<'a>(pub BitMapBackend<'a>);

fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(super::FONT_BYTES).ok())
        .as_ref()
}

type Result2<E> = Result<(), DrawingErrorKind<E>>;

impl<'a> DrawingBackend for Png<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result2<Self::ErrorType> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result2<Self::ErrorType> {
        self.0.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result2<Self::ErrorType> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result2<Self::ErrorType> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result2<Self::ErrorType> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result2<Self::ErrorType> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result2<Self::ErrorType> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result2<Self::ErrorType> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        (iw, ih): (u32, u32),
        src: &[u8],
    ) -> Result2<Self::ErrorType> {
        self.0.blit_bitmap(pos, (iw, ih), src)
    }

    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result2<Self::ErrorType> {
        let Some(font) = font() else {
            // The embedded font always loads (ensure_font checked it); keep plotters' text.
            return self.0.draw_text(text, style, pos);
        };
        let color = style.color();
        if color.alpha == 0.0 {
            return Ok(());
        }
        let (w, h) = self.get_size();
        let trans = style.transform();
        let mut pixels = Vec::new();
        draw_glyphs(
            font,
            text,
            style.size() as f32,
            style.anchor(),
            |x, y, c| {
                pixels.push((trans.transform(x, y), c));
            },
        );
        for ((x, y), coverage) in pixels {
            let (x, y) = (pos.0 + x, pos.1 + y);
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h && coverage > 0.0 {
                self.0.draw_pixel((x, y), color.mix(f64::from(coverage)))?;
            }
        }
        Ok(())
    }
}

/// Lay `text` out at `size` px and call `pixel(x, y, coverage)` for every covered pixel,
/// relative to the anchor: glyphs at fractional advances with kerning, the box as plotters
/// measures it (the advances' width, `size / 1.24` high) and the capitals centred in it.
pub fn draw_glyphs(
    font: &FontRef<'_>,
    text: &str,
    size: f32,
    anchor: Pos,
    mut pixel: impl FnMut(i32, i32, f32),
) {
    let scaled = font.as_scaled(PxScale::from(size));
    let mut x = 0.0f32;
    let mut prev = None;
    let mut placed = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(p) = prev {
            x += scaled.kern(p, id);
        }
        placed.push((id, x));
        x += scaled.h_advance(id);
        prev = Some(id);
    }
    let width = x;
    let height = size / 1.24;
    // Capital height from the font itself, so the capitals sit in the middle of the box.
    let cap = font
        .outline_glyph(scaled.scaled_glyph('H'))
        .map_or(size * 0.63, |o| -o.px_bounds().min.y);
    let baseline = (height + cap) / 2.0;
    let dx = match anchor.h_pos {
        HPos::Left => 0.0,
        HPos::Right => -width,
        HPos::Center => -width / 2.0,
    };
    let dy = match anchor.v_pos {
        VPos::Top => 0.0,
        VPos::Center => -height / 2.0,
        VPos::Bottom => -height,
    };
    for (id, gx) in placed {
        let glyph = id.with_scale_and_position(PxScale::from(size), point(gx + dx, baseline + dy));
        if let Some(outline) = font.outline_glyph(glyph) {
            let b = outline.px_bounds();
            outline.draw(|px, py, c| {
                pixel(b.min.x as i32 + px as i32, b.min.y as i32 + py as i32, c);
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The columns a text covers, left to right.
    fn inked_columns(text: &str) -> Vec<i32> {
        let mut cols = std::collections::BTreeSet::new();
        draw_glyphs(font().unwrap(), text, 13.0, Pos::default(), |x, _, c| {
            if c > 0.3 {
                cols.insert(x);
            }
        });
        cols.into_iter().collect()
    }

    /// "10" in DejaVu Sans at 13 px: the gap between the two digits is about a sixth of a
    /// digit's advance (≈ 1–2 px), where plotters' own layout left a blank digit's width. And
    /// "ll" is no wider than "l" plus its advance.
    #[test]
    fn digits_sit_at_their_advances() {
        let cols = inked_columns("10");
        let gaps: Vec<i32> = cols.windows(2).map(|w| w[1] - w[0] - 1).collect();
        let widest = gaps.iter().copied().max().unwrap_or(0);
        assert!(
            widest <= 3,
            "a {widest}-pixel hole between 1 and 0: {cols:?}"
        );
        let advance = font()
            .unwrap()
            .as_scaled(PxScale::from(13.0))
            .h_advance(font().unwrap().glyph_id('l'));
        let (l, ll) = (inked_columns("l"), inked_columns("ll"));
        let span = |c: &[i32]| c.last().unwrap() - c.first().unwrap();
        assert!((span(&ll) - span(&l)) as f32 <= advance.ceil());
    }

    /// Anchors move the box: centred text straddles 0, right-aligned text ends there.
    #[test]
    fn anchors_place_the_box() {
        let f = font().unwrap();
        let mut xs = Vec::new();
        draw_glyphs(
            f,
            "capacity",
            13.0,
            Pos::new(HPos::Center, VPos::Center),
            |x, _, _| xs.push(x),
        );
        assert!(xs.iter().any(|&x| x < 0) && xs.iter().any(|&x| x > 0));
        let mut right = Vec::new();
        draw_glyphs(
            f,
            "capacity",
            13.0,
            Pos::new(HPos::Right, VPos::Top),
            |x, _, _| right.push(x),
        );
        assert!(right.iter().all(|&x| x <= 1));
    }
}
