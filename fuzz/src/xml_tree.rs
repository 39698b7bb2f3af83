//! The writer targets' oracle: a strict XML 1.0 reader that turns a written document into a
//! tree of elements, independently of the product's own readers.
//!
//! quick-xml tokenises; the rules a conforming parser applies on top are here, so that a
//! document reads back as the platform's parser would read it: the whole text is made of
//! characters XML 1.0 can carry (`&#1;` is refused too), one root element, no text outside it,
//! end-of-line normalisation of XML 1.0 (CR LF and CR become LF; U+0085 and U+2028 stay, unlike
//! XML 1.1), attribute-value normalisation (a literal tab, CR or LF in an attribute value reads
//! as a space), and only the five predefined entities.

use std::borrow::Cow;

use orderstatus::xml::{is_xml_char, unsafe_char};
use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};

/// One element as read back: its name as written (with its prefix), its attributes in
/// document order, the text directly inside it and its child elements.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// `<name>text</name>`.
    pub fn leaf(name: &str, text: &str) -> Self {
        Self {
            name: name.to_owned(),
            text: text.to_owned(),
            ..Self::default()
        }
    }

    /// `<name>children</name>`.
    pub fn node(name: &str, children: Vec<Element>) -> Self {
        Self {
            name: name.to_owned(),
            children,
            ..Self::default()
        }
    }

    pub fn with_attribute(mut self, name: &str, value: &str) -> Self {
        self.attributes.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The first child element named `name`.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The element at `path` below this one, following the first child of each name.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter()
            .try_fold(self, |element, name| element.child(name))
    }
}

/// Reads `xml` as an XML 1.0 document; an error says why it is not well-formed.
pub fn parse(xml: &str) -> Result<Element, String> {
    if let Some(problem) = unsafe_char(xml) {
        return Err(format!("the document {problem}"));
    }
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("not XML at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Decl(decl) => {
                let version = decl.version().map_err(|e| e.to_string())?;
                if version.as_ref() != b"1.0" {
                    return Err(format!(
                        "XML version {:?}",
                        String::from_utf8_lossy(&version)
                    ));
                }
            }
            Event::Start(start) => stack.push(element(&start)?),
            Event::Empty(start) => {
                let empty = element(&start)?;
                close(&mut stack, &mut root, empty)?;
            }
            Event::End(_) => {
                // quick-xml has checked that the name matches the open element.
                let done = stack.pop().ok_or("an end tag without a start")?;
                close(&mut stack, &mut root, done)?;
            }
            Event::Text(text) => {
                let content = text.xml10_content().map_err(|e| e.to_string())?;
                match stack.last_mut() {
                    Some(open) => open.text.push_str(&content),
                    None if content.chars().all(|c| matches!(c, ' ' | '\t' | '\n')) => {}
                    None => return Err(format!("text outside the root element: {content:?}")),
                }
            }
            Event::GeneralRef(reference) => {
                let value = resolve(&reference)?;
                stack
                    .last_mut()
                    .ok_or("a reference outside the root element")?
                    .text
                    .push_str(&value);
            }
            Event::CData(data) => {
                let content = data.xml10_content().map_err(|e| e.to_string())?;
                stack
                    .last_mut()
                    .ok_or("CDATA outside the root element")?
                    .text
                    .push_str(&content);
            }
            Event::DocType(_) => return Err("a document type declaration".to_owned()),
            Event::Comment(_) | Event::PI(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("<{}> is not closed", open.name));
    }
    root.ok_or_else(|| "no root element".to_owned())
}

/// Attaches a finished element to its parent, or makes it the root.
fn close(stack: &mut [Element], root: &mut Option<Element>, done: Element) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None if root.is_none() => *root = Some(done),
        None => return Err(format!("a second root element <{}>", done.name)),
    }
    Ok(())
}

fn element(start: &BytesStart<'_>) -> Result<Element, String> {
    let name = std::str::from_utf8(start.name().as_ref())
        .map_err(|e| e.to_string())?
        .to_owned();
    let mut attributes = Vec::new();
    for attribute in start.attributes() {
        let attribute = attribute.map_err(|e| format!("<{name}> attribute: {e}"))?;
        let key = std::str::from_utf8(attribute.key.as_ref())
            .map_err(|e| e.to_string())?
            .to_owned();
        let raw = std::str::from_utf8(&attribute.value).map_err(|e| e.to_string())?;
        attributes.push((key, attribute_value(raw)?));
    }
    Ok(Element {
        name,
        attributes,
        ..Element::default()
    })
}

/// XML 1.0 §3.3.3: line ends are normalised, then every literal white-space character is a
/// space; references are resolved after (so `&#10;` stays a line feed).
fn attribute_value(raw: &str) -> Result<String, String> {
    let normalised = raw.replace("\r\n", "\n").replace(['\r', '\n', '\t'], " ");
    let value = quick_xml::escape::unescape(&normalised).map_err(|e| e.to_string())?;
    match unsafe_char(&value) {
        Some(problem) => Err(format!("an attribute value {problem} (by reference)")),
        None => Ok(value.into_owned()),
    }
}

fn resolve(reference: &BytesRef<'_>) -> Result<Cow<'static, str>, String> {
    if let Some(c) = reference.resolve_char_ref().map_err(|e| e.to_string())? {
        if !is_xml_char(c) {
            return Err(format!(
                "a character reference to U+{:04X}, which XML 1.0 cannot carry",
                u32::from(c)
            ));
        }
        return Ok(Cow::Owned(c.to_string()));
    }
    let name = reference.decode().map_err(|e| e.to_string())?;
    quick_xml::escape::resolve_xml_entity(&name)
        .map(Cow::Borrowed)
        .ok_or_else(|| format!("an unknown entity &{name};"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_reads_as_a_tree() {
        let tree = parse(
            "<?xml version=\"1.0\"?>\n<a x=\"1&amp;2\"><b>t&lt;&#13;\r\nu</b><c/><b><![CDATA[<&>]]></b></a>",
        )
        .unwrap();
        let expected = Element::node(
            "a",
            vec![
                Element::leaf("b", "t<\r\nu"),
                Element::leaf("c", ""),
                Element::leaf("b", "<&>"),
            ],
        )
        .with_attribute("x", "1&2");
        assert_eq!(tree, expected);
        assert_eq!(tree.at(&["b"]).map(|b| b.text.as_str()), Some("t<\r\nu"));
    }

    #[test]
    fn attribute_values_are_normalised_as_xml_1_0_says() {
        let tree = parse("<a x=\"1\r\n2\t3&#10;4\"/>").unwrap();
        assert_eq!(tree.attribute("x"), Some("1 2 3\n4"));
    }

    #[test]
    fn line_ends_are_those_of_xml_1_0() {
        let tree = parse("<a>1\r2\u{85}3\u{2028}4</a>").unwrap();
        assert_eq!(tree.text, "1\n2\u{85}3\u{2028}4");
    }

    #[test]
    fn what_is_not_well_formed_is_refused() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text<a/>",
            "<a>\u{1}</a>",
            "<a>&#1;</a>",
            "<a x=\"&#0;\"/>",
            "<a>&nbsp;</a>",
            "<a x=\"1\" x=\"2\"/>",
            "<?xml version=\"1.1\"?><a/>",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
    }
}
