//! Attachments: a file announced with an arrival is stored `pending` in the arrival's
//! transaction, claimed once per lease, recorded `ready` (then served) or retried and finally
//! `failed`; a late second result changes nothing; other accounts never see it.

use access::{AccountId, Settings};
use store::{
    AttachmentKind, AttachmentState, ChannelKind, ChannelWrite, DownloadOutcome, Inbound,
    InboundMedia, Received, Store,
};

async fn channel(store: &Store, name: &str) -> (AccountId, store::Channel) {
    let a = store
        .directory()
        .create_account(name, &Settings::default(), "Geral", 0)
        .await
        .unwrap();
    let number = format!("77{}{}", std::process::id(), a.0);
    let mut tx = store.directory().begin_admin(a).await.unwrap();
    let id = tx
        .create_channel(
            ChannelKind::WhatsApp,
            &ChannelWrite {
                name: "w",
                phone_number_id: Some(&number),
                active: true,
                ..ChannelWrite::default()
            },
            0,
        )
        .await
        .unwrap();
    let c = tx.channel(id).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    (a, c)
}

pub(crate) async fn attachments(store: &Store) {
    let (a, ch) = channel(store, "attachments").await;
    let (other, _) = channel(store, "attachments-other").await;
    let media = |source: &'static str, kind| InboundMedia {
        kind,
        voice: kind == AttachmentKind::Audio,
        source,
        mime_type: "image/jpeg",
        file_name: None,
        sha256: Some("abc="),
    };
    let got = store
        .channels()
        .receive(
            &ch,
            &[
                Inbound {
                    external_id: "m1",
                    from: "5511900000001",
                    profile_name: None,
                    body: "a caixa",
                    at: 100,
                    media: Some(media("media-1", AttachmentKind::Image)),
                    quoted: None,
                },
                Inbound {
                    external_id: "m2",
                    from: "5511900000001",
                    profile_name: None,
                    body: "",
                    at: 101,
                    media: Some(media("media-2", AttachmentKind::Audio)),
                    quoted: None,
                },
            ],
        )
        .await
        .unwrap();
    let Received::Stored {
        conversation,
        message,
        ..
    } = got[0]
    else {
        panic!("stored: {got:?}")
    };
    // The message shows its file, pending.
    let (_, m) = store.inbox().message(a, message).await.unwrap().unwrap();
    assert_eq!(m.attachments.len(), 1);
    let att = &m.attachments[0];
    assert_eq!(
        (att.kind, att.state, att.voice, att.mime_type.as_str()),
        (
            AttachmentKind::Image,
            AttachmentState::Pending,
            false,
            "image/jpeg"
        )
    );
    assert!(
        store.attachments().file(a, att.id).await.unwrap().is_none(),
        "nothing to serve while pending"
    );
    assert!(
        store
            .inbox()
            .message(other, message)
            .await
            .unwrap()
            .is_none()
    );

    // Claimed once per lease, earliest first.
    let claimed = store
        .attachments()
        .claim_downloads(200, 1_000, 10)
        .await
        .unwrap();
    let mine: Vec<_> = claimed.iter().filter(|d| d.account == a).collect();
    assert_eq!(mine.len(), 2);
    assert_eq!(mine[0].source, "media-1");
    assert_eq!(mine[0].conversation, conversation);
    assert!(
        store
            .attachments()
            .claim_downloads(300, 1_000, 10)
            .await
            .unwrap()
            .iter()
            .all(|d| d.account != a),
        "leased: another node does not take them"
    );
    let (first, second) = (mine[0].clone(), mine[1].clone());
    let key = format!("a/{}", first.id);
    assert!(
        store
            .attachments()
            .download_result(
                &first,
                DownloadOutcome::Stored {
                    key: &key,
                    size: 5166,
                    sha256: "00ff",
                    mime_type: Some("image/jpeg"),
                },
                400,
            )
            .await
            .unwrap()
    );
    assert!(
        !store
            .attachments()
            .download_result(
                &first,
                DownloadOutcome::Failed {
                    error: "late",
                    retry_at: None
                },
                401,
            )
            .await
            .unwrap(),
        "a late result of the same download changes nothing"
    );
    let (file, row) = store
        .attachments()
        .file(a, first.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (file.conversation, file.size, file.storage_key.as_str()),
        (conversation, 5166, key.as_str())
    );
    assert_eq!(
        row.record.conversation.id, conversation,
        "read with its conversation"
    );
    assert!(
        store
            .attachments()
            .file(other, first.id)
            .await
            .unwrap()
            .is_none()
    );

    // Retried, then failed with the reason shown on the message.
    store
        .attachments()
        .download_result(
            &second,
            DownloadOutcome::Failed {
                error: "the Graph API could not be reached",
                retry_at: Some(5_000),
            },
            402,
        )
        .await
        .unwrap();
    assert_eq!(
        store
            .attachments()
            .next_download_due()
            .await
            .unwrap()
            .map(|t| t <= 5_000),
        Some(true)
    );
    assert!(
        store
            .attachments()
            .claim_downloads(4_999, 1_000, 10)
            .await
            .unwrap()
            .iter()
            .all(|d| d.id != second.id),
        "not before its retry time"
    );
    let again = store
        .attachments()
        .claim_downloads(5_000, 1_000, 10)
        .await
        .unwrap();
    let again = again.into_iter().find(|d| d.id == second.id).unwrap();
    assert_eq!(again.attempts, 1);
    store
        .attachments()
        .download_result(
            &again,
            DownloadOutcome::Failed {
                error: "too large",
                retry_at: None,
            },
            403,
        )
        .await
        .unwrap();
    let (_, m2) = store
        .inbox()
        .message(a, message + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(m2.attachments[0].state, AttachmentState::Failed);
    assert_eq!(m2.attachments[0].error.as_deref(), Some("too large"));
    let listed = store
        .inbox()
        .messages(a, conversation, 0, 10)
        .await
        .unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|m| (m.attachments.len(), m.attachments[0].state))
            .collect::<Vec<_>>(),
        vec![(1, AttachmentState::Ready), (1, AttachmentState::Failed)]
    );
}
