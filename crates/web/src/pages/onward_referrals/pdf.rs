//! The referral letter as a PDF: A4 pages of text in Helvetica (one of the
//! fonts every PDF reader has, so nothing is embedded), wrapped to the page
//! and continued on new pages as needed.

use super::letter::Letter;
use pdf_writer::{Content, Name, Pdf, Rect, Ref, Str};

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
/// Characters per line at the body size (Helvetica averages about half an em).
const WRAP: usize = 88;

/// One line to set: its size, whether it is a heading, and its text.
struct Line {
    size: f32,
    bold: bool,
    text: String,
}

/// Text in the PDF's WinAnsi encoding: Latin-1 as is, the usual curly
/// quotes and dashes mapped, anything else a question mark.
fn win_ansi(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| match c {
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201C}' => 0x93,
            '\u{201D}' => 0x94,
            '\u{2013}' => 0x96,
            '\u{2014}' => 0x97,
            '\u{20AC}' => 0x80,
            c if (c as u32) < 0x7F && !c.is_control() => c as u8,
            c if (0xA0..=0xFF).contains(&(c as u32)) => c as u32 as u8,
            _ => b'?',
        })
        .collect()
}

/// Breaks text into lines of at most [`WRAP`] characters, at spaces.
fn wrap(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > WRAP {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn lines_of(title: &str, letter: &Letter) -> Vec<Line> {
    let body = |text: String| Line {
        size: 11.0,
        bold: false,
        text,
    };
    let head = |text: &str, size: f32| Line {
        size,
        bold: true,
        text: text.to_string(),
    };
    let mut out = vec![head(title, 18.0), head("To", 12.0)];
    out.extend(letter.to.iter().cloned().map(body));
    out.push(head("From", 12.0));
    out.extend(letter.from.iter().cloned().map(body));
    for s in &letter.sections {
        out.push(head(&s.heading, 12.0));
        for l in &s.lines {
            out.extend(wrap(l).into_iter().map(body));
        }
    }
    out
}

/// Writes the letter as a PDF document.
pub fn write(title: &str, letter: &Letter) -> Vec<u8> {
    let lines = lines_of(title, letter);
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let (f1, f2) = (Name(b"F1"), Name(b"F2"));
    // Set the lines into pages: each page is a list of (x, y, line).
    let mut pages: Vec<Vec<(f32, &Line)>> = vec![Vec::new()];
    let mut y = HEIGHT - MARGIN;
    for line in &lines {
        let gap = if line.bold {
            line.size * 1.8
        } else {
            line.size * 1.4
        };
        if y - gap < MARGIN {
            pages.push(Vec::new());
            y = HEIGHT - MARGIN;
        }
        y -= gap;
        if let Some(page) = pages.last_mut() {
            page.push((y, line));
        }
    }
    let mut pdf = Pdf::new();
    let page_ids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(5 + 2 * i as i32))
        .collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree)
        .kids(page_ids.iter().copied())
        .count(page_ids.len() as i32);
    for (font, name) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(font)
            .base_font(Name(name))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (i, set) in pages.iter().enumerate() {
        let page_id = page_ids[i];
        let content_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(page_id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
        page.parent(tree);
        page.contents(content_id);
        page.resources().fonts().pair(f1, regular).pair(f2, bold);
        drop(page);
        let mut content = Content::new();
        for (y, line) in set {
            content.begin_text();
            content.set_font(if line.bold { f2 } else { f1 }, line.size);
            content.next_line(MARGIN, *y);
            content.show(Str(&win_ansi(&line.text)));
            content.end_text();
        }
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::onward_referrals::letter::Section;

    #[test]
    fn wraps_long_text_at_spaces() {
        let text = "word ".repeat(40);
        let lines = wrap(&text);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| l.chars().count() <= WRAP));
        assert_eq!(wrap(""), vec![String::new()]);
    }

    #[test]
    fn encodes_for_win_ansi() {
        assert_eq!(win_ansi("It’s £5 – ok"), b"It\x92s \xA35 \x96 ok".to_vec());
        assert_eq!(win_ansi("\u{1F600}"), b"?".to_vec());
    }

    #[test]
    fn long_letters_run_onto_more_pages() {
        let letter = Letter {
            to: vec!["Service".into()],
            from: vec!["Worker".into()],
            sections: vec![Section {
                heading: "Case notes".into(),
                lines: (0..120).map(|i| format!("Note {i}")).collect(),
            }],
        };
        let bytes = write("Referral", &letter);
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(text.contains("/Count 3"), "expected three pages");
        assert!(text.contains("(Note 119) Tj"));
    }
}
