//! The font every plot uses: DejaVu Sans, compiled in from the `dejavu` crate, so plots
//! render the same on a bare server with no font files or fontconfig (plotters' `ab_glyph`
//! backend reads only fonts registered here).

use std::sync::Once;

/// The family name plots ask for.
pub const FAMILY: &str = "sans-serif";

/// Register DejaVu Sans (regular and bold) once per process.
pub fn ensure() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use plotters::style::{register_font, FontStyle};
        // The bytes are valid TrueType files shipped by the crate; a failure would be a
        // packaging bug, and text would then be missing rather than the run failing.
        let _ = register_font(FAMILY, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FAMILY, FontStyle::Bold, dejavu::sans::bold());
    });
}
