//! The Graph API's side of the channel: signatures, handshakes, send bodies and results.

use super::*;
use crate::channels::whatsapp_send::RETRYABLE_CODES;

// --- signature and handshake -----------------------------------------------------------------

#[test]
fn signature() {
    let secret = "app-secret";
    let body = TEXT.as_bytes();
    let header = sign(secret, body);
    assert!(
        header.starts_with("sha256=") && header.len() == 7 + 64,
        "{header}"
    );
    assert!(signature_valid(secret, body, Some(&header)));
    assert!(signature_valid(
        secret,
        body,
        Some(&header.to_uppercase().replace("SHA256=", "sha256="))
    ));
    assert!(!signature_valid("other-secret", body, Some(&header)));
    let mut tampered = body.to_vec();
    tampered[10] ^= 1;
    assert!(!signature_valid(secret, &tampered, Some(&header)));
    assert!(!signature_valid(secret, body, None));
    assert!(!signature_valid(secret, body, Some(&header[7..])));
    assert!(!signature_valid(
        secret,
        body,
        Some(&header.replace("sha256=", "sha1="))
    ));
    assert!(!signature_valid(
        secret,
        body,
        Some(&format!("{}zz", &header[..header.len() - 2]))
    ));
    assert!(!signature_valid(
        secret,
        body,
        Some(&header[..header.len() - 2])
    ));
    assert!(!signature_valid(secret, body, Some(&format!("{header}00"))));
    assert!(!signature_valid(secret, body, Some("sha256=")));
    assert!(!signature_valid(secret, body, Some("")));
    assert!(
        !signature_valid("", body, Some(&sign("", body))),
        "an empty secret never verifies"
    );
}

#[test]
fn signature_known_vectors() {
    assert_eq!(
        sign("key", b"The quick brown fox jumps over the lazy dog"),
        "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
    );
    assert!(signature_valid(
        "key",
        b"The quick brown fox jumps over the lazy dog",
        Some("sha256=F7BC83F430538424B13298E6AA6FB143EF4D59A14946175997479DBC2D1A3CD8"),
    ));
    // RFC 4231 test case 6: a key longer than the block is hashed first.
    let mut m = mac(&[0xaa; 131]);
    m.update(b"Test Using Larger Than Block-Size Key - Hash Key First");
    let expected = decode_hex32("60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
    assert_eq!(
        Some(m.finalize().into_bytes().to_vec()),
        expected.map(|e| e.to_vec())
    );
    // The infallible constructor agrees with the crate's own for every key length around the block.
    for len in 0..200 {
        let key: Vec<u8> = (0..len).map(|i| (i * 7 + 3) as u8).collect();
        let mut ours = mac(&key);
        let mut theirs = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        ours.update(b"body");
        theirs.update(b"body");
        assert_eq!(
            ours.finalize().into_bytes(),
            theirs.finalize().into_bytes(),
            "key length {len}"
        );
    }
}

#[test]
fn handshakes() {
    let h = |mode, token, challenge| Handshake {
        mode,
        verify_token: token,
        challenge,
    };
    assert_eq!(
        handshake(
            &h(Some("subscribe"), Some("s3cret"), Some("1158201444")),
            "s3cret"
        ),
        Ok("1158201444".to_owned())
    );
    assert_eq!(
        handshake(&h(Some("unsubscribe"), Some("s3cret"), Some("1")), "s3cret"),
        Err(HandshakeError::WrongMode)
    );
    assert_eq!(
        handshake(&h(None, Some("s3cret"), Some("1")), "s3cret"),
        Err(HandshakeError::WrongMode)
    );
    assert_eq!(
        handshake(&h(Some("subscribe"), Some("guess"), Some("1")), "s3cret"),
        Err(HandshakeError::WrongToken)
    );
    assert_eq!(
        handshake(&h(Some("subscribe"), Some("s3cret "), Some("1")), "s3cret"),
        Err(HandshakeError::WrongToken)
    );
    assert_eq!(
        handshake(&h(Some("subscribe"), None, Some("1")), "s3cret"),
        Err(HandshakeError::MissingToken)
    );
    assert_eq!(
        handshake(&h(Some("subscribe"), Some("s3cret"), None), "s3cret"),
        Err(HandshakeError::MissingChallenge)
    );
    assert_eq!(
        handshake(&h(Some("subscribe"), Some("s3cret"), Some("")), "s3cret"),
        Err(HandshakeError::MissingChallenge)
    );
    assert_eq!(
        handshake(&h(Some("subscribe"), Some(""), Some("1")), ""),
        Err(HandshakeError::NotConfigured)
    );
    let message = HandshakeError::WrongToken.to_string();
    assert!(
        message.contains("verify_token") && !message.contains("s3cret"),
        "{message}"
    );
}

// --- sending ---------------------------------------------------------------------------------

#[test]
fn send_bodies() {
    assert_eq!(
        text_body(MARIANA, "Olá, Mariana!"),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": MARIANA,
            "type": "text",
            "text": { "preview_url": false, "body": "Olá, Mariana!" },
        })
    );
    assert_eq!(
        template_body(
            MARIANA,
            "order_update",
            "pt_BR",
            &["4821".to_owned(), "amanhã".to_owned()]
        ),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": MARIANA,
            "type": "template",
            "template": {
                "name": "order_update",
                "language": { "code": "pt_BR" },
                "components": [{ "type": "body", "parameters": [
                    { "type": "text", "text": "4821" },
                    { "type": "text", "text": "amanhã" },
                ] }],
            },
        })
    );
    assert_eq!(
        template_body(MARIANA, "hello_world", "en_US", &[]),
        json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": MARIANA,
            "type": "template",
            "template": { "name": "hello_world", "language": { "code": "en_US" } },
        })
    );
    // A voice note says so; a caption never goes with audio; a document has its name.
    let media = |kind, caption, name, voice| media_body(MARIANA, kind, "m1", caption, name, voice);
    assert_eq!(
        media("audio", "ouça", Some("voice-note.ogg"), true)["audio"],
        json!({ "id": "m1", "voice": true })
    );
    assert_eq!(
        media("audio", "", None, false)["audio"],
        json!({ "id": "m1" })
    );
    assert_eq!(
        media("document", "Seu boleto", Some("boleto.pdf"), true)["document"],
        json!({ "id": "m1", "caption": "Seu boleto", "filename": "boleto.pdf" })
    );
    assert_eq!(media("image", "Foto", None, false)["type"], "image");
}

fn graph_error(code: i64, message: &str) -> Vec<u8> {
    json!({ "error": {
        "message": message, "type": "OAuthException", "code": code, "error_subcode": 2494010,
        "error_data": { "messaging_product": "whatsapp", "details": "More details." },
        "fbtrace_id": "AazBxq1dVhQmQ8vXzB3Ylgn",
    } })
    .to_string()
    .into_bytes()
}

#[test]
fn send_results() {
    let ok = br#"{"messaging_product":"whatsapp","contacts":[{"input":"5511987654321","wa_id":"5511987654321"}],"messages":[{"id":"wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjdBNjVBQjI1QzM5RjY0QTlCRQA=","message_status":"accepted"}]}"#;
    assert_eq!(
        send_result(200, ok),
        Ok("wamid.HBgNNTUxMTk4NzY1NDMyMRUCABEYEjdBNjVBQjI1QzM5RjY0QTlCRQA=".to_owned())
    );

    let outside_window = send_result(400, &graph_error(131047, "(#131047) Re-engagement message"));
    assert_eq!(
        outside_window,
        Err(GraphError {
            status: 400,
            code: Some(131047),
            subcode: Some(2494010),
            message: "(#131047) Re-engagement message (More details.)".to_owned(),
            fbtrace_id: Some("AazBxq1dVhQmQ8vXzB3Ylgn".to_owned()),
            retryable: false,
        })
    );
    assert_eq!(
        outside_window.unwrap_err().to_string(),
        "WhatsApp Graph API error (HTTP 400, code 131047): (#131047) Re-engagement message (More details.)"
    );

    let throttled = send_result(400, &graph_error(130429, "(#130429) Rate limit hit")).unwrap_err();
    assert!(throttled.retryable);
    assert_eq!(throttled.code, Some(130429));
    for code in RETRYABLE_CODES {
        assert!(
            send_result(400, &graph_error(code, "x"))
                .unwrap_err()
                .retryable,
            "{code}"
        );
    }
    for code in [100, 190, 131047, 131026] {
        assert!(
            !send_result(400, &graph_error(code, "x"))
                .unwrap_err()
                .retryable,
            "{code}"
        );
    }
    assert!(
        send_result(429, &graph_error(100, "x"))
            .unwrap_err()
            .retryable
    );

    let unavailable =
        send_result(503, b"<html><body>Service Unavailable</body></html>").unwrap_err();
    assert_eq!(
        unavailable,
        GraphError {
            status: 503,
            code: None,
            subcode: None,
            message: "unexpected answer: <html><body>Service Unavailable</body></html>".to_owned(),
            fbtrace_id: None,
            retryable: true,
        }
    );
    assert_eq!(send_result(502, b"").unwrap_err().message, "empty answer");

    let no_messages =
        send_result(200, br#"{"messaging_product":"whatsapp","contacts":[]}"#).unwrap_err();
    assert_eq!(no_messages.message, "no message id in the answer");
    assert!(!no_messages.retryable);
    assert!(send_result(200, br#"{"messages":[{"id":""}]}"#).is_err());
    let odd = send_result(404, br#"{"messages":[{"id":"wamid.X"}]}"#).unwrap_err();
    assert_eq!((odd.code, odd.retryable), (None, false));
    assert!(send_result(200, &[0xff, 0xfe]).is_err());
}
