//! Values built from the fuzzer's bytes for the writer targets.

use arbitrary::{Result, Unstructured};
use orderstatus::xml::is_xml_char;

/// Free text as it can reach a writer: any string, except that the characters XML 1.0 cannot
/// carry become U+FFFD. The product refuses those before writing (message validation and each
/// platform's secret check use `orderstatus::xml::unsafe_char`), so a writer never sees them.
pub fn text(u: &mut Unstructured<'_>) -> Result<String> {
    let raw: &str = u.arbitrary()?;
    Ok(xml_safe(raw))
}

pub fn xml_safe(raw: &str) -> String {
    raw.chars()
        .map(|c| if is_xml_char(c) { c } else { '\u{FFFD}' })
        .collect()
}

/// Optional free text.
pub fn optional_text(u: &mut Unstructured<'_>) -> Result<Option<String>> {
    Ok(if u.arbitrary()? { Some(text(u)?) } else { None })
}

/// Any string at all: what another system may answer.
pub fn any_text(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(u.arbitrary::<&str>()?.to_owned())
}

/// Up to `max` values.
pub fn list<T>(
    u: &mut Unstructured<'_>,
    max: usize,
    mut one: impl FnMut(&mut Unstructured<'_>) -> Result<T>,
) -> Result<Vec<T>> {
    let count = u.int_in_range(0..=max)?;
    (0..count).map(|_| one(u)).collect()
}

/// One of `choices`.
pub fn pick<T: Copy>(u: &mut Unstructured<'_>, choices: &[T]) -> Result<T> {
    u.choose(choices).copied()
}
