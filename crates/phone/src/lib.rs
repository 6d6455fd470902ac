//! Phone numbers as Atende keeps them: one contact per line, whatever way the number was written.
//!
//! - Stored and compared in **E.164** (`+5585988511238`), the form WhatsApp's `wa_id` has with a
//!   `+` in front.
//! - **Brazilian mobiles** are one line with or without the ninth digit: since 2016 every mobile
//!   number in Brazil has nine digits after the area code, but WhatsApp still reports accounts
//!   made before that as `55 DD 8 digits` (`558588511238`). Such a number (a subscriber number
//!   of 8 digits starting 6 to 9, which only mobiles did) is stored with its ninth digit
//!   (`+5585988511238`), as WhatsApp itself does when a message is sent to either form.
//! - Numbers written without a country code are read as Brazilian ([`DEFAULT_REGION`]): the
//!   product's users are. A number with `+` or `00` in front, or one that is not a Brazilian
//!   number but is a whole international one (`14155552671`), is read as international.
//! - **Shown** in the international format (`+55 85 98851-1238`).
//!
//! Parsing and formatting use the `phonenumber` crate (Google's libphonenumber rules and
//! metadata): numbering plans change every few months, and a maintained port follows them.

use phonenumber::country::Id;
use phonenumber::{Mode, PhoneNumber};

/// The country assumed for a number written without its country code.
pub const DEFAULT_REGION: &str = "BR";

/// A phone number, normalised to E.164 (with the Brazilian ninth digit).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Phone(String);

/// Characters a written phone number may carry besides digits.
fn is_phone_punctuation(c: char) -> bool {
    matches!(c, ' ' | '+' | '-' | '(' | ')' | '.' | '/' | '\u{a0}')
}

/// Whether `text` is made only of digits and the punctuation phone numbers are written with,
/// with at least `min_digits` digits.
fn looks_like_phone(text: &str, min_digits: usize) -> bool {
    text.chars()
        .all(|c| c.is_ascii_digit() || is_phone_punctuation(c))
        && text.chars().filter(char::is_ascii_digit).count() >= min_digits
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// E.164 digits (without `+`) with the Brazilian ninth digit added where WhatsApp adds it.
fn with_ninth_digit(e164_digits: &str) -> String {
    match e164_digits.strip_prefix("55") {
        Some(national) if national.len() == 10 => {
            let bytes = national.as_bytes();
            match bytes.get(2) {
                Some(b'6'..=b'9') => {
                    let (area, subscriber) = national.split_at(2);
                    format!("55{area}9{subscriber}")
                }
                _ => e164_digits.to_owned(),
            }
        }
        _ => e164_digits.to_owned(),
    }
}

fn parse_international(digits: &str) -> Option<PhoneNumber> {
    let fixed = with_ninth_digit(digits);
    let number = phonenumber::parse(None, format!("+{fixed}")).ok()?;
    phonenumber::is_valid(&number).then_some(number)
}

fn parse_national(text: &str) -> Option<PhoneNumber> {
    let region = DEFAULT_REGION.parse::<Id>().ok()?;
    let number = phonenumber::parse(Some(region), text).ok()?;
    let e164 = number.format().mode(Mode::E164).to_string();
    // The ninth digit, then validity, on what the parser understood.
    parse_international(e164.trim_start_matches('+'))
}

impl Phone {
    /// A number as a person wrote it, in any usual format (`(85) 98851-1238`,
    /// `+55 85 98851-1238`, `5585988511238`, `0055…`); `None` when it is not a valid number.
    pub fn parse(input: &str) -> Option<Phone> {
        let text = input.trim();
        if !looks_like_phone(text, 8) {
            return None;
        }
        let all = digits(text);
        let number = if text.starts_with('+') {
            parse_international(&all)
        } else if let Some(rest) = all.strip_prefix("00").filter(|_| text.starts_with("00")) {
            parse_international(rest)
        } else {
            // A number without `+` is Brazilian (10 or 11 digits: the area code and the number,
            // read first as such, so that area code 55 is not taken for the country code), or
            // else a whole international number (country code and all, 11 digits or more),
            // never a part of one read as some country's.
            (matches!(all.len(), 10 | 11))
                .then(|| parse_international(&format!("55{all}")))
                .flatten()
                .or_else(|| parse_national(text))
                .or_else(|| {
                    (all.len() >= 11)
                        .then(|| parse_international(&all))
                        .flatten()
                })
        }?;
        Some(Phone(number.format().mode(Mode::E164).to_string()))
    }

    /// A number a channel reports in international digits (WhatsApp's `wa_id`, `from`): always
    /// kept, valid or not (the channel knows the line), with the Brazilian ninth digit added.
    pub fn from_international_digits(input: &str) -> Option<Phone> {
        let text = input.trim().trim_start_matches('+');
        if text.is_empty() || text.len() > 20 || !text.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        Some(Phone(format!("+{}", with_ninth_digit(text))))
    }

    /// The E.164 form, `+5585988511238`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The digits without `+`, as the WhatsApp Cloud API takes a recipient.
    pub fn digits(&self) -> &str {
        self.0.trim_start_matches('+')
    }

    /// The international display form, `+55 85 98851-1238` (the E.164 form when the number is
    /// not one the metadata knows).
    pub fn display(&self) -> String {
        match phonenumber::parse(None, &self.0) {
            Ok(n) if phonenumber::is_valid(&n) => n.format().mode(Mode::International).to_string(),
            _ => self.0.clone(),
        }
    }
}

impl std::fmt::Display for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The key a contact is stored and found by: the E.164 form of a channel's address when it is
/// a phone number (digits, `+` allowed), else the address itself, trimmed (a generic channel
/// may key its contacts by any stable id, such as `visitor-42`).
pub fn contact_key(address: &str) -> String {
    let text = address.trim();
    match Phone::from_international_digits(text) {
        Some(p) => p.0,
        None => text.to_owned(),
    }
}

/// How a stored contact key is shown: a phone formatted, anything else as it is.
pub fn display_key(key: &str) -> String {
    match Phone::from_international_digits(key) {
        Some(p) if key.starts_with('+') => p.display(),
        _ => key.to_owned(),
    }
}

/// A contact's name as shown: a customer known only by their number (the name is the contact
/// key until they write with a WhatsApp profile name, or a user edits it) shows the number
/// formatted.
pub fn shown_name(name: String, key: Option<&str>) -> String {
    match key {
        Some(k) if k == name => display_key(k),
        _ => name,
    }
}

/// What a search text means for phones. A whole number (in any format) is searched as its E.164
/// form, a part of one (`98851-1238`, `8851 1238`) as its digits inside the stored number;
/// `None` when the text is not a phone at all (a name).
pub fn search_digits(query: &str) -> Option<String> {
    let text = query.trim();
    if !looks_like_phone(text, 4) {
        return None;
    }
    match Phone::parse(text) {
        Some(p) => Some(p.digits().to_owned()),
        None => Some(digits(text)),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    #[test]
    fn every_way_of_writing_one_line_is_one_number() {
        for written in [
            "5585988511238",
            "+5585988511238",
            "558588511238",
            "+55 85 8851-1238",
            "(85) 98851-1238",
            "85 98851 1238",
            "85988511238",
            "0055 85 98851-1238",
            "+55 (85) 98851-1238",
        ] {
            assert_eq!(
                Phone::parse(written).map(|p| p.0),
                Some("+5585988511238".to_owned()),
                "{written}"
            );
        }
    }

    #[test]
    fn area_code_55_is_not_the_country_code() {
        assert_eq!(
            Phone::parse("(55) 96000-0231").unwrap().as_str(),
            "+5555960000231"
        );
        assert_eq!(
            Phone::parse("55 3221-1234").unwrap().as_str(),
            "+555532211234"
        );
        assert_eq!(
            Phone::parse("5555960000231").unwrap().as_str(),
            "+5555960000231"
        );
    }

    #[test]
    fn whatsapp_reports_old_brazilian_mobiles_without_the_ninth_digit() {
        let old = Phone::from_international_digits("558588511238").unwrap();
        let new = Phone::from_international_digits("5585988511238").unwrap();
        assert_eq!(old, new);
        assert_eq!(new.display(), "+55 85 98851-1238");
        assert_eq!(new.digits(), "5585988511238");
        // A landline (subscriber number starting 2 to 5) gets no ninth digit.
        let landline = Phone::from_international_digits("558532612156").unwrap();
        assert_eq!(landline.as_str(), "+558532612156");
        assert_eq!(landline.display(), "+55 85 3261-2156");
    }

    #[test]
    fn other_countries_are_international() {
        assert_eq!(
            Phone::parse("+1 415 555 2671").unwrap().as_str(),
            "+14155552671"
        );
        assert_eq!(
            Phone::parse("14155552671").unwrap().as_str(),
            "+14155552671"
        );
        assert_eq!(
            Phone::parse("+14155552671").unwrap().display(),
            "+1 415-555-2671"
        );
        assert_eq!(
            Phone::parse("+351 912 345 678").unwrap().as_str(),
            "+351912345678"
        );
    }

    #[test]
    fn what_is_not_a_number_is_none() {
        for text in ["", "abc", "Maria", "123", "85 98851-123x", "+", "11999"] {
            assert_eq!(Phone::parse(text), None, "{text}");
        }
        assert_eq!(Phone::from_international_digits("visitor-42"), None);
        assert_eq!(Phone::from_international_digits(""), None);
    }

    #[test]
    fn contact_keys_and_their_display() {
        assert_eq!(contact_key("558588511238"), "+5585988511238");
        assert_eq!(contact_key("+5585988511238"), "+5585988511238");
        assert_eq!(contact_key(" visitor-42 "), "visitor-42");
        assert_eq!(display_key("+5585988511238"), "+55 85 98851-1238");
        assert_eq!(display_key("visitor-42"), "visitor-42");
        assert_eq!(
            shown_name("+5585988511238".into(), Some("+5585988511238")),
            "+55 85 98851-1238"
        );
        assert_eq!(shown_name("Maria".into(), Some("+5585988511238")), "Maria");
        // A number the metadata does not know is shown as stored.
        assert_eq!(display_key("+999123"), "+999123");
    }

    #[test]
    fn searches_in_any_format() {
        assert_eq!(
            search_digits("(85) 98851-1238").as_deref(),
            Some("5585988511238")
        );
        assert_eq!(
            search_digits("85 8851-1238").as_deref(),
            Some("5585988511238")
        );
        assert_eq!(search_digits("98851-1238").as_deref(), Some("988511238"));
        assert_eq!(search_digits("1238").as_deref(), Some("1238"));
        assert_eq!(search_digits("Maria"), None);
        assert_eq!(search_digits("12"), None);
    }
}
