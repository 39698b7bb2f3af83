//! The notes under `orderstatus status`'s tables: each unknown figure's cell says
//! `unknown [n]`, and note n says why.

use super::report::Known;

/// The reasons of unknown figures, numbered in the order they are shown; one figure unknown
/// for the same reason on several platforms (no metrics for any queue, say) is one note.
#[derive(Default)]
pub struct Notes(Vec<Note>);

struct Note {
    what: String,
    platforms: Vec<String>,
    reason: String,
}

impl Notes {
    /// `unknown [n]`, where note n says why `what` (of `platform`) is unknown.
    pub fn unknown(&mut self, what: &str, platform: Option<&str>, reason: &str) -> String {
        let i = match self
            .0
            .iter()
            .position(|n| n.what == what && n.reason == reason)
        {
            Some(i) => i,
            None => {
                self.0.push(Note {
                    what: what.to_owned(),
                    platforms: Vec::new(),
                    reason: reason.to_owned(),
                });
                self.0.len() - 1
            }
        };
        self.0[i].platforms.extend(platform.map(str::to_owned));
        format!("unknown [{}]", i + 1)
    }

    pub fn cell<T>(
        &mut self,
        what: &str,
        platform: &str,
        figure: &Known<T>,
        show: impl Fn(&T) -> String,
    ) -> String {
        match figure {
            Ok(value) => show(value),
            Err(unknown) => self.unknown(what, Some(platform), &unknown.reason),
        }
    }

    pub fn print(&self) {
        if self.0.is_empty() {
            return;
        }
        println!();
        for (i, note) in self.0.iter().enumerate() {
            let of = if note.platforms.is_empty() {
                String::new()
            } else {
                format!(" of {}", note.platforms.join(", "))
            };
            println!("[{}] {}{of}: {}", i + 1, note.what, note.reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_reason_on_several_platforms_is_one_note() {
        let mut notes = Notes::default();
        assert_eq!(
            notes.unknown("the oldest message", Some("cv3"), "no metrics"),
            "unknown [1]"
        );
        assert_eq!(notes.unknown("the ledger", None, "denied"), "unknown [2]");
        assert_eq!(
            notes.unknown("the oldest message", Some("cloudsuite"), "no metrics"),
            "unknown [1]"
        );
        assert_eq!(
            notes.unknown("the queue", Some("cv3"), "no metrics"),
            "unknown [3]"
        );
        assert_eq!(notes.0[0].platforms, vec!["cv3", "cloudsuite"]);
    }
}
