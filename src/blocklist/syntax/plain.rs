//! The catalogue's own pattern syntax, for scripts and devices without a syntax here.

use super::{Cover, Shape, Syntax, Written};

/// The catalogue's own pattern syntax (signatures/README.md), one per line: for scripts and
/// devices this tool does not know yet.
pub struct Plain;
impl Syntax for Plain {
    fn name(&self) -> &'static str {
        "plain"
    }
    fn comment(&self) -> Option<&'static str> {
        Some("#")
    }
    fn block(&self, shape: Shape, h: &str) -> Option<Written> {
        let (text, subdomains) = match shape {
            Shape::Exact => (format!("={h}"), false),
            _ => (h.to_string(), true),
        };
        Some(Written::new(
            vec![text.clone()],
            &text,
            Cover::new(h, subdomains),
        ))
    }
}
