use proptest::prelude::*;
use serde_json::json;

use super::*;

#[path = "whatsapp_tests/graph.rs"]
mod graph;

const TEXT: &str = include_str!("../../tests/fixtures/whatsapp/text.json");
const IMAGE: &str = include_str!("../../tests/fixtures/whatsapp/image.json");
const STATUSES: &str = include_str!("../../tests/fixtures/whatsapp/statuses.json");
const BATCH: &str = include_str!("../../tests/fixtures/whatsapp/batch.json");
const UNKNOWN_TYPE: &str = include_str!("../../tests/fixtures/whatsapp/unknown_type.json");
const FIXTURES: [&str; 5] = [TEXT, IMAGE, STATUSES, BATCH, UNKNOWN_TYPE];

const OUR_NUMBER: &str = "106540352242922";
const MARIANA: &str = "5511987654321";

fn items(body: &str) -> Vec<Item> {
    parse(body.as_bytes()).unwrap().items
}

fn inbound(id: &str, from: &str, name: &str, timestamp: i64, content: Content) -> Item {
    Item::Inbound(Inbound {
        phone_number_id: OUR_NUMBER.to_owned(),
        external_id: id.to_owned(),
        from: from.to_owned(),
        profile_name: Some(name.to_owned()),
        timestamp,
        content,
        quoted: None,
    })
}

/// A minimal valid body around one `messages[]` element.
fn with_message(message: Value) -> Vec<u8> {
    with_value(json!({
        "messaging_product": "whatsapp",
        "metadata": { "display_phone_number": "15550783881", "phone_number_id": OUR_NUMBER },
        "messages": [message],
    }))
}

fn with_value(value: Value) -> Vec<u8> {
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [{ "field": "messages", "value": value }] }],
    })
    .to_string()
    .into_bytes()
}

fn content_of(message: Value) -> Content {
    let mut all = parse(&with_message(message)).unwrap().items;
    assert_eq!(all.len(), 1);
    match all.pop() {
        Some(Item::Inbound(i)) => i.content,
        other => panic!("not an inbound message: {other:?}"),
    }
}

fn error_of(body: &[u8]) -> String {
    parse(body).unwrap_err().to_string()
}

/// The first thing of a real delivery that could not be read (the delivery itself is accepted).
fn problem_of(body: &[u8]) -> String {
    parse(body)
        .unwrap()
        .problems
        .first()
        .map(ToString::to_string)
        .unwrap_or_default()
}

// --- fixtures --------------------------------------------------------------------------------

#[test]
fn text_fixture() {
    assert_eq!(
        items(TEXT),
        [inbound(
            "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBMEY3QjI5MTRGRkMzNjU0QkE4AA==",
            MARIANA,
            "Mariana Souza",
            1_749_416_383,
            Content::Text("Olá! Meu pedido #4821 ainda não chegou, podem verificar?".to_owned()),
        )]
    );
}

#[test]
fn image_fixture() {
    assert_eq!(
        items(IMAGE),
        [inbound(
            "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBQjY4RDg1RkE2QTVCMTg0MzE2AA==",
            MARIANA,
            "Mariana Souza",
            1_749_416_501,
            Content::Media {
                kind: MediaKind::Image,
                media_id: "1003383421387256".to_owned(),
                mime_type: Some("image/jpeg".to_owned()),
                caption: Some("Foto da caixa amassada".to_owned()),
                filename: None,
                sha256: Some("ZK4fKQ7ivv1gTQyS6Oq+vG4S3C8DTMR0mBXD3Cqk9Ns=".to_owned()),
                voice: false,
            },
        )]
    );
}

#[test]
fn statuses_fixture() {
    let ours = "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjdBNjVBQjI1QzM5RjY0QTlCRQA=";
    let status = |status, timestamp| {
        Item::Status(StatusUpdate {
            phone_number_id: OUR_NUMBER.to_owned(),
            external_id: ours.to_owned(),
            status,
            timestamp,
            recipient: Some(MARIANA.to_owned()),
            error: None,
        })
    };
    assert_eq!(
        items(STATUSES),
        [
            status(DeliveryStatus::Sent, 1_749_416_620),
            status(DeliveryStatus::Delivered, 1_749_416_622),
            status(DeliveryStatus::Read, 1_749_416_700),
            Item::Status(StatusUpdate {
                phone_number_id: OUR_NUMBER.to_owned(),
                external_id: "wamid.HBgNNTUxMTIzNDU2Nzg5MBUCABEYEjM5QzFFNzE0QjBDRjI3OEQ0MQA="
                    .to_owned(),
                status: DeliveryStatus::Failed,
                timestamp: 1_749_416_705,
                recipient: Some("5511912345678".to_owned()),
                error: Some(
                    "131047: Re-engagement message (Message failed to send because more than 24 \
                     hours have passed since the customer last replied to this number.)"
                        .to_owned()
                ),
            }),
        ]
    );
}

#[test]
fn a_reply_names_the_message_it_quotes_and_a_forward_quotes_nothing() {
    let quoting = json!({ "from": MARIANA, "id": "wamid.Q", "timestamp": "1", "type": "text", "text": { "body": "essa" },
        "context": { "from": "15550783881", "id": "wamid.ORIGINAL" } });
    let forwarded = json!({ "from": MARIANA, "id": "wamid.F", "timestamp": "1", "type": "text", "text": { "body": "olha" },
        "context": { "forwarded": true } });
    let n = parse(&with_value(json!({
        "metadata": { "phone_number_id": "1" },
        "messages": [quoting, forwarded],
    })))
    .unwrap();
    let quoted: Vec<Option<String>> = n
        .items
        .iter()
        .map(|i| match i {
            Item::Inbound(m) => m.quoted.clone(),
            Item::Status(_) => None,
        })
        .collect();
    assert_eq!(quoted, [Some("wamid.ORIGINAL".to_owned()), None]);
}

#[test]
fn batch_fixture() {
    assert_eq!(
        items(BATCH),
        [
            inbound(
                "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBNzE1RjZFQjA5M0IzNDJBNjg1AA==",
                MARIANA,
                "Mariana Souza",
                1_749_417_000,
                Content::Text("Vou passar na loja hoje.".to_owned()),
            ),
            inbound(
                "wamid.HBgNNTUyMTk5ODc2NTQzMhUCABIYFDNBQzQ5MjBEMEM3RTFGNjYyQjIyAA==",
                "5521998765432",
                "João Pereira",
                1_749_417_004,
                Content::Location {
                    latitude: -23.561414,
                    longitude: -46.655881,
                    name: Some("MASP".to_owned()),
                    address: Some("Av. Paulista, 1578 - Bela Vista, São Paulo - SP".to_owned()),
                },
            ),
            Item::Inbound(Inbound {
                phone_number_id: "113204958475612".to_owned(),
                external_id: "wamid.HBgNNTUzMTk4NzAwMTEyMhUCABIYFDNBRTJDMDg3QjkzOEE1RDA4QjZBAA=="
                    .to_owned(),
                from: "5531987001122".to_owned(),
                profile_name: Some("Ana Lima".to_owned()),
                timestamp: 1_749_417_010,
                content: Content::Reply {
                    id: "confirm-order-4821".to_owned(),
                    title: "Confirmar pedido".to_owned(),
                },
                // A button tapped answers (quotes) the message that carried it.
                quoted: Some(
                    "wamid.HBgNNTUzMTk4NzAwMTEyMhUCABEYEjRFMjA4QjBCMjY2RjdDRDY1MwA=".to_owned()
                ),
            }),
        ]
    );
}

#[test]
fn unknown_type_fixture() {
    assert_eq!(
        items(UNKNOWN_TYPE),
        [
            inbound(
                "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBOTdGMTA0QTE1MjNFODNDM0JGAA==",
                MARIANA,
                "Mariana Souza",
                1_749_417_100,
                Content::Unsupported {
                    kind: "unsupported".to_owned()
                },
            ),
            inbound(
                "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABIYFDNBNUQ2RTNCNzIxQzA0RTlGQTE4AA==",
                MARIANA,
                "Mariana Souza",
                1_749_417_105,
                Content::Reaction {
                    message_id: "wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjdBNjVBQjI1QzM5RjY0QTlCRQA="
                        .to_owned(),
                    emoji: "👍".to_owned(),
                },
            ),
        ]
    );
}

// --- other message types -------------------------------------------------------------------

fn message(kind: &str, key: &str, object: Value) -> Value {
    json!({ "from": MARIANA, "id": "wamid.X", "timestamp": "1700000000", "type": kind, key: object })
}

#[test]
fn every_media_kind_and_document_filename() {
    for kind in MediaKind::ALL {
        assert_eq!(MediaKind::from_id(kind.id()), Some(kind));
        assert_eq!(
            content_of(message(kind.id(), kind.id(), json!({ "id": "42" }))),
            Content::Media {
                kind,
                media_id: "42".to_owned(),
                mime_type: None,
                caption: None,
                filename: None,
                sha256: None,
                voice: false,
            }
        );
    }
    let doc = json!({ "id": "7", "filename": "boleto.pdf", "mime_type": "application/pdf", "sha256": "x" });
    assert_eq!(
        content_of(message("document", "document", doc)),
        Content::Media {
            kind: MediaKind::Document,
            media_id: "7".to_owned(),
            mime_type: Some("application/pdf".to_owned()),
            caption: None,
            filename: Some("boleto.pdf".to_owned()),
            sha256: Some("x".to_owned()),
            voice: false,
        }
    );
    let voice = json!({ "id": "8", "mime_type": "audio/ogg; codecs=opus", "voice": true });
    assert!(matches!(
        content_of(message("audio", "audio", voice)),
        Content::Media { kind: MediaKind::Audio, mime_type: Some(m), voice: true, .. } if m == "audio/ogg; codecs=opus"
    ));
}

#[test]
fn list_reply_template_button_and_other_types() {
    let list = json!({ "type": "list_reply", "list_reply": { "id": "r2", "title": "Boleto", "description": "Pagar com boleto" } });
    assert_eq!(
        content_of(message("interactive", "interactive", list)),
        Content::Reply {
            id: "r2".to_owned(),
            title: "Boleto".to_owned()
        }
    );
    let button = json!({ "payload": "STOP", "text": "Parar promoções" });
    assert_eq!(
        content_of(message("button", "button", button)),
        Content::Reply {
            id: "STOP".to_owned(),
            title: "Parar promoções".to_owned()
        }
    );
    assert_eq!(
        content_of(message("button", "button", json!({ "text": "Sim" }))),
        Content::Reply {
            id: "Sim".to_owned(),
            title: "Sim".to_owned()
        }
    );
    let flow = json!({ "type": "nfm_reply", "nfm_reply": { "response_json": "{}" } });
    assert_eq!(
        content_of(message("interactive", "interactive", flow)),
        Content::Unsupported {
            kind: "interactive:nfm_reply".to_owned()
        }
    );
    // Shared contact cards: each card's name and phones (WhatsApp's JSON vCard).
    let contacts = json!([
        { "name": { "formatted_name": "Zé" } },
        { "name": { "first_name": "Ana", "last_name": "Lima" },
          "phones": [{ "phone": "+55 11 98765-4321", "type": "CELL", "wa_id": "5511987654321" },
                     { "wa_id": "5511912345678" }] },
        { "phones": [{ "phone": "+1 555 0100" }] },
    ]);
    let shared = content_of(message("contacts", "contacts", contacts));
    assert_eq!(
        shared,
        Content::Contacts(vec![
            SharedContact {
                name: "Zé".to_owned(),
                phones: vec![]
            },
            SharedContact {
                name: "Ana Lima".to_owned(),
                phones: vec!["+55 11 98765-4321".to_owned(), "5511912345678".to_owned()],
            },
            SharedContact {
                name: "?".to_owned(),
                phones: vec!["+1 555 0100".to_owned()]
            },
        ])
    );
    assert_eq!(
        shared.display_text(),
        "[contact] Zé; Ana Lima: +55 11 98765-4321, 5511912345678; ?: +1 555 0100"
    );
    assert_eq!(
        content_of(message(
            "reaction",
            "reaction",
            json!({ "message_id": "wamid.Y" })
        )),
        Content::Reaction {
            message_id: "wamid.Y".to_owned(),
            emoji: String::new()
        }
    );
}

#[test]
fn profile_name_comes_from_the_matching_contact_only() {
    let body = with_value(json!({
        "metadata": { "phone_number_id": OUR_NUMBER },
        "contacts": [{ "profile": { "name": "Someone else" }, "wa_id": "5500000000000" }],
        "messages": [{ "from": MARIANA, "id": "wamid.X", "timestamp": 1700000000, "type": "text", "text": { "body": "oi" } }],
    }));
    assert_eq!(
        parse(&body).unwrap().items,
        [Item::Inbound(Inbound {
            phone_number_id: OUR_NUMBER.to_owned(),
            external_id: "wamid.X".to_owned(),
            from: MARIANA.to_owned(),
            profile_name: None,
            timestamp: 1_700_000_000,
            content: Content::Text("oi".to_owned()),
            quoted: None,
        })]
    );
}

#[test]
fn other_fields_unknown_statuses_and_empty_values_are_skipped() {
    let body = json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "1", "changes": [
            { "field": "account_update", "value": { "event": "VERIFIED_ACCOUNT" } },
            { "field": "message_template_status_update", "value": 3 },
            { "field": "messages", "value": {
                "metadata": { "phone_number_id": OUR_NUMBER },
                "statuses": [
                    { "id": "wamid.A", "status": "deleted", "timestamp": "1" },
                    { "id": "wamid.A", "status": "read", "timestamp": "2" },
                ],
            } },
            { "field": "messages", "value": { "metadata": { "phone_number_id": OUR_NUMBER } } },
        ] }, { "id": "2", "changes": [] }],
    });
    assert_eq!(
        parse(body.to_string().as_bytes()).unwrap().items,
        [Item::Status(StatusUpdate {
            phone_number_id: OUR_NUMBER.to_owned(),
            external_id: "wamid.A".to_owned(),
            status: DeliveryStatus::Read,
            timestamp: 2,
            recipient: None,
            error: None,
        })]
    );
    let empty = json!({ "object": "whatsapp_business_account", "entry": [] });
    assert_eq!(
        parse(empty.to_string().as_bytes()).unwrap(),
        Notification::default()
    );
    for s in [
        DeliveryStatus::Sent,
        DeliveryStatus::Delivered,
        DeliveryStatus::Read,
        DeliveryStatus::Failed,
    ] {
        assert_eq!(DeliveryStatus::from_id(s.id()), Some(s));
    }
}

// --- parse errors ----------------------------------------------------------------------------

#[test]
fn problems_name_the_path() {
    let msg = |m: Value| problem_of(&with_message(m));
    let text =
        json!({ "from": MARIANA, "id": "wamid.X", "type": "text", "text": { "body": "oi" } });
    assert_eq!(
        msg(text.clone()),
        "entry[0].changes[0].value.messages[0].timestamp: missing"
    );
    let mut bad = text.clone();
    bad["timestamp"] = json!("yesterday");
    assert_eq!(
        msg(bad),
        "entry[0].changes[0].value.messages[0].timestamp: expected Unix seconds (a string of digits)"
    );
    let mut no_body = text.clone();
    no_body["timestamp"] = json!("1");
    no_body["text"] = json!({});
    assert_eq!(
        msg(no_body),
        "entry[0].changes[0].value.messages[0].text.body: missing"
    );
    for key in ["id", "from", "type"] {
        let mut m = text.clone();
        m["timestamp"] = json!("1");
        m.as_object_mut().unwrap().remove(key);
        assert_eq!(
            msg(m),
            format!("entry[0].changes[0].value.messages[0].{key}: missing")
        );
    }
    let mut empty_id = text.clone();
    empty_id["timestamp"] = json!("1");
    empty_id["id"] = json!("");
    assert_eq!(
        msg(empty_id),
        "entry[0].changes[0].value.messages[0].id: empty"
    );
    let image = json!({ "from": MARIANA, "id": "w", "timestamp": "1", "type": "image", "image": { "caption": 5, "id": "1" } });
    assert_eq!(
        msg(image),
        "entry[0].changes[0].value.messages[0].image.caption: expected a string, found a number"
    );
    let location = json!({ "from": MARIANA, "id": "w", "timestamp": "1", "type": "location", "location": { "latitude": "1", "longitude": 2 } });
    assert_eq!(
        msg(location),
        "entry[0].changes[0].value.messages[0].location.latitude: expected a number, found a string"
    );

    assert_eq!(
        problem_of(&with_value(json!({ "metadata": {}, "messages": [] }))),
        "entry[0].changes[0].value.metadata.phone_number_id: missing"
    );
    let statuses = |s: Value| {
        problem_of(&with_value(
            json!({ "metadata": { "phone_number_id": "1" }, "statuses": [s] }),
        ))
    };
    assert_eq!(
        statuses(json!({ "id": "w", "timestamp": "1" })),
        "entry[0].changes[0].value.statuses[0].status: missing"
    );
    assert_eq!(
        statuses(json!({ "status": "sent", "timestamp": "1" })),
        "entry[0].changes[0].value.statuses[0].id: missing"
    );
    assert_eq!(
        statuses(json!({ "id": "w", "status": "sent" })),
        "entry[0].changes[0].value.statuses[0].timestamp: missing"
    );
    assert_eq!(
        problem_of(&with_value(
            json!({ "metadata": { "phone_number_id": "1" }, "messages": {} })
        )),
        "entry[0].changes[0].value.messages: expected an array, found an object"
    );
    let second_change = json!({ "object": "whatsapp_business_account", "entry": [{ "changes": [
        { "field": "statuses" }, { "value": {} } ] }] });
    assert_eq!(
        problem_of(second_change.to_string().as_bytes()),
        "entry[0].changes[1].field: missing"
    );
}

#[test]
fn a_real_delivery_is_read_whatever_a_message_holds() {
    // An `interactive` message without its `interactive` object (seen in real-world test data
    // of a public library): kept as unsupported with its raw type, the delivery read.
    let broken =
        json!({ "from": MARIANA, "id": "wamid.I", "timestamp": "1", "type": "interactive" });
    let fine = json!({ "from": MARIANA, "id": "wamid.T", "timestamp": "2", "type": "text", "text": { "body": "oi" } });
    let n = parse(&with_value(json!({
        "metadata": { "phone_number_id": OUR_NUMBER },
        "messages": [broken, fine],
    })))
    .unwrap();
    let contents: Vec<(String, Content)> = n
        .items
        .iter()
        .map(|i| match i {
            Item::Inbound(m) => (m.external_id.clone(), m.content.clone()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        contents,
        vec![
            (
                "wamid.I".to_owned(),
                Content::Unsupported {
                    kind: "interactive".to_owned()
                }
            ),
            ("wamid.T".to_owned(), Content::Text("oi".to_owned())),
        ]
    );
    assert_eq!(
        n.problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        vec!["entry[0].changes[0].value.messages[0].interactive: missing"]
    );
    // Without a timestamp: kept, with 0 (the arrival time is used when it is stored).
    let n = parse(&with_message(
        json!({ "from": MARIANA, "id": "wamid.N", "type": "text", "text": { "body": "oi" } }),
    ))
    .unwrap();
    assert!(matches!(&n.items[..], [Item::Inbound(m)] if m.timestamp == 0));
    // Without an id (nothing to deduplicate Meta's retries by): left out, the rest read.
    let n = parse(&with_value(json!({
        "metadata": { "phone_number_id": OUR_NUMBER },
        "messages": [{ "from": MARIANA, "timestamp": "1", "type": "text", "text": { "body": "a" } }],
        "statuses": [{ "id": "wamid.S", "status": "read", "timestamp": "3", "recipient_id": MARIANA }],
    })))
    .unwrap();
    assert!(
        matches!(&n.items[..], [Item::Status(s)] if s.external_id == "wamid.S"),
        "{n:?}"
    );
    assert_eq!(n.problems.len(), 1);
}

#[test]
fn wrong_object_and_not_json() {
    assert_eq!(
        error_of(br#"{"object":"page","entry":[]}"#),
        "object: expected \"whatsapp_business_account\""
    );
    assert_eq!(error_of(br#"{"entry":[]}"#), "object: missing");
    assert_eq!(
        error_of(br#"{"object":"whatsapp_business_account"}"#),
        "entry: missing"
    );
    assert_eq!(error_of(b"[]"), "expected an object, found an array");
    let e = parse(b"<html>").unwrap_err();
    assert_eq!(e.path, "");
    assert!(e.to_string().starts_with("not JSON: "), "{e}");
    assert!(parse(b"").is_err());
    let deep = "[".repeat(100_000);
    assert!(parse(deep.as_bytes()).is_err());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1024)) {
        let _ = parse(&bytes);
        let _ = send_result(200, &bytes);
    }

    #[test]
    fn mutated_fixtures_never_panic(
        fixture in 0..FIXTURES.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>(), any::<char>()), 1..6),
    ) {
        let mut chars: Vec<char> = FIXTURES[fixture].chars().collect();
        for (at, delete, c) in edits {
            if chars.is_empty() {
                break;
            }
            let i = at.index(chars.len());
            if delete {
                chars.remove(i);
            } else {
                chars[i] = c;
            }
        }
        let body: String = chars.into_iter().collect();
        if let Ok(n) = parse(body.as_bytes()) {
            for item in &n.items {
                if let Item::Inbound(i) = item {
                    let _ = i.content.display_text();
                }
            }
        }
    }
}

// --- display_text ----------------------------------------------------------------------------

#[test]
fn display_text_of_every_kind() {
    let media = |kind, mime: Option<&str>, caption: Option<&str>, filename: Option<&str>| {
        Content::Media {
            kind,
            media_id: "1".to_owned(),
            mime_type: mime.map(str::to_owned),
            caption: caption.map(str::to_owned),
            filename: filename.map(str::to_owned),
            sha256: None,
            voice: false,
        }
        .display_text()
    };
    assert_eq!(Content::Text("oi".to_owned()).display_text(), "oi");
    assert_eq!(
        media(MediaKind::Image, Some("image/jpeg"), Some("Nota"), None),
        "[image] Nota"
    );
    assert_eq!(
        media(MediaKind::Audio, Some("audio/ogg"), None, None),
        "[audio: audio/ogg]"
    );
    assert_eq!(media(MediaKind::Video, None, None, None), "[video]");
    assert_eq!(
        media(
            MediaKind::Document,
            Some("application/pdf"),
            Some("Segue"),
            Some("boleto.pdf")
        ),
        "[document] boleto.pdf — Segue"
    );
    assert_eq!(
        media(MediaKind::Sticker, Some("image/webp"), Some("  "), None),
        "[sticker: image/webp]"
    );
    let location = |name: Option<&str>, address: Option<&str>| {
        Content::Location {
            latitude: -23.561414,
            longitude: -46.655881,
            name: name.map(str::to_owned),
            address: address.map(str::to_owned),
        }
        .display_text()
    };
    assert_eq!(
        location(Some("MASP"), Some("Av. Paulista, 1578")),
        "[location] MASP, Av. Paulista, 1578 (-23.561414, -46.655881) \
         https://www.openstreetmap.org/?mlat=-23.561414&mlon=-46.655881#map=17/-23.561414/-46.655881"
    );
    assert_eq!(
        location(None, None),
        "[location] (-23.561414, -46.655881) \
         https://www.openstreetmap.org/?mlat=-23.561414&mlon=-46.655881#map=17/-23.561414/-46.655881"
    );
    assert_eq!(
        Content::Reply {
            id: "x".to_owned(),
            title: "Confirmar".to_owned()
        }
        .display_text(),
        "Confirmar"
    );
    let reaction = |emoji: &str| {
        Content::Reaction {
            message_id: "w".to_owned(),
            emoji: emoji.to_owned(),
        }
        .display_text()
    };
    assert_eq!(reaction("👍"), "[reaction] 👍");
    assert_eq!(reaction(""), "[reaction removed]");
    assert_eq!(
        Content::Unsupported {
            kind: "order".to_owned()
        }
        .display_text(),
        "[unsupported: order]"
    );
}
