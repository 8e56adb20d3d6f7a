use super::*;

fn ring_with(key: &PrivateKey, issuer: u32) -> KeyRing {
    let mut r = KeyRing::default();
    r.insert(issuer, key.id(), key.public());
    r
}

fn header() -> Header {
    Header {
        version: VERSION,
        issuer: 999_991,
        key_id: 1,
        doc_type: 1,
        serial: 12301,
        days: 9824,
        minute: 600,
        page: 1,
        pages: 2,
        digest: [7; 16],
    }
}

#[test]
fn genuine_altered_wrong_key_unknown_and_cancelled_each_have_their_verdict() {
    let a = signing_key_from_seed([1; 32]);
    let b = signing_key_from_seed([2; 32]);
    let payload = sign(&header(), &a);
    assert_eq!(payload.len(), PAYLOAD_LEN);
    let ring = ring_with(&a, 999_991);
    let none = |_: u32, _: u64| false;
    assert_eq!(
        verify(&payload, &ring, &none),
        (Verdict::Genuine, Some(header()))
    );
    // Every single flipped byte is rejected.
    for i in 1..payload.len() {
        let mut p = payload.clone();
        p[i] ^= 0x01;
        let (v, _) = verify(&p, &ring, &none);
        assert!(
            matches!(v, Verdict::Altered | Verdict::UnknownKey),
            "byte {i}: {v:?}"
        );
    }
    let mut p = payload.clone();
    p[25] ^= 0x40; // the digest
    assert_eq!(verify(&p, &ring, &none).0, Verdict::Altered);
    // Signed by another key that the verifier knows under another issuer.
    let mut ring2 = ring.clone();
    ring2.insert(999_992, 1, b.public());
    assert_eq!(
        verify(&sign(&header(), &b), &ring2, &none).0,
        Verdict::WrongKey
    );
    assert_eq!(
        verify(&sign(&header(), &b), &ring, &none).0,
        Verdict::Altered
    );
    assert_eq!(
        verify(&payload, &KeyRing::default(), &none).0,
        Verdict::UnknownKey
    );
    assert_eq!(
        verify(&payload, &ring, &|i, s| i == 999_991 && s == 12301).0,
        Verdict::Cancelled
    );
    let mut p = payload.clone();
    p[0] = 9;
    assert_eq!(verify(&p, &ring, &none).0, Verdict::UnsupportedVersion);
}

#[test]
fn signing_is_deterministic_and_the_payload_round_trips() {
    let a = signing_key_from_seed([1; 32]);
    assert_eq!(sign(&header(), &a), sign(&header(), &a));
    assert_eq!(parse(&sign(&header(), &a)), Ok(header()));
    assert!(format!("{a:?}").len() < 40, "Debug must not print the key");
}

#[test]
fn the_code_decodes_from_its_own_raster() {
    let a = signing_key_from_seed([3; 32]);
    let payload = sign(&header(), &a);
    let m = qr_mask(&payload, 0.0, 0.0).unwrap();
    // Version 6: 41 modules + 8 quiet = 49 modules of 10 px (20.7 mm).
    assert_eq!(m.px_w, 490);
    let (w, h) = (m.px_w as usize, m.px_h as usize);
    let grey: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| if m.get(x as u32, y as u32) { 0 } else { 255 })
        .collect();
    assert_eq!(decode_codes(w, h, &grey), vec![payload]);
}

#[test]
fn serial_numbers_and_digests() {
    assert_eq!(serial_number("見本第000123-01号").unwrap(), 12301);
    assert!(serial_number("見本第号").is_err());
    let mut b = Bound {
        fields: Default::default(),
        options: Default::default(),
    };
    b.fields
        .insert("name".into(), Value::Text("見本　太郎".into()));
    let d1 = canonical_digest(&b);
    b.fields
        .insert("name".into(), Value::Text("見本　太朗".into()));
    assert_ne!(d1, canonical_digest(&b));
    // No normalisation: a compatibility ideograph is not its unified twin.
    b.fields
        .insert("name".into(), Value::Text("\u{FA11}".into()));
    let d2 = canonical_digest(&b);
    b.fields
        .insert("name".into(), Value::Text("\u{5D0E}".into()));
    assert_ne!(d2, canonical_digest(&b));
}
